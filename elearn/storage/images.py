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
    the original: a small image's copies are its own size), without the image's metadata.
    One decoded image is held at a time, each copy made from the next larger one: a large
    photo's copies cost one decode, not one per width (a JPEG is even decoded at the
    smallest scale that still covers the widest copy)."""
    widest = max(IMAGE_WIDTHS)
    with Image.open(io.BytesIO(data)) as opened:
        opened.draft(None, (widest, widest))  # (JPEG only; both sides stay at least this long)
        image = ImageOps.exif_transpose(opened)  # turned as the camera meant, then EXIF dropped
        image.load()
    made = {}
    for width in sorted(IMAGE_WIDTHS, reverse=True):
        image.thumbnail((width, width * 4))  # in place
        webp, jpeg = io.BytesIO(), io.BytesIO()
        image.save(webp, "WEBP", quality=80, method=4)
        image.convert("RGB").save(jpeg, "JPEG", quality=82, optimize=True, progressive=True)
        made[(width, "webp")], made[(width, "jpg")] = webp.getvalue(), jpeg.getvalue()
    return made
