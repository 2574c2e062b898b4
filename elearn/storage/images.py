"""Resized copies of an uploaded image, for ``srcset``: WebP, and JPEG for older browsers."""
import io

from PIL import Image, ImageOps

from .backends import IMAGE_WIDTHS, rendition_key

#: The formats an image's copies are made in, and their media types.
FORMATS = {"webp": "image/webp", "jpg": "image/jpeg"}


def rendition_keys(key: str) -> list[str]:
    """The keys of an image's resized copies."""
    return [rendition_key(key, width, image_format) for width in IMAGE_WIDTHS for image_format in FORMATS]


def renditions(data: bytes) -> dict[tuple[int, str], bytes]:
    """``{(width, "webp" | "jpg"): bytes}`` for each of ``IMAGE_WIDTHS`` (never wider than
    the original: a small image's copies are its own size), without the image's metadata."""
    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened)  # turned as the camera meant, then EXIF dropped
        image.load()
    made = {}
    for width in IMAGE_WIDTHS:
        copy = image.copy()
        copy.thumbnail((width, width * 4))
        webp, jpeg = io.BytesIO(), io.BytesIO()
        copy.save(webp, "WEBP", quality=80, method=4)
        copy.convert("RGB").save(jpeg, "JPEG", quality=82, optimize=True, progressive=True)
        made[(width, "webp")], made[(width, "jpg")] = webp.getvalue(), jpeg.getvalue()
    return made
