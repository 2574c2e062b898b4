"""Checking an uploaded file before anything is stored.

A file is taken for what its bytes are (``filetype`` reads their signature), never for
its name or the type the browser claims: a script named ``photo.png`` is refused. SVG is
refused outright (an SVG can carry script). Images are decoded whole with Pillow, so a
broken one is refused here rather than stored and served broken; one of more than
``MAX_IMAGE_PIXELS`` is refused before it is decoded: a one-colour PNG of 13,000 × 13,000
pixels compresses to well under the size limit and decodes to gigabytes. Each kind has
its own size limit (``UPLOAD_LIMITS``, in MB).
A file's name is only ever a default title: one carrying a path is refused.
"""
import io
from dataclasses import dataclass

import filetype
from flask import current_app
from flask_babel import gettext
from PIL import Image

from ..errors import DomainError, Invalid
from .kinds import TYPES

DEFAULT_LIMITS_MB = {"video": 200, "audio": 50, "pdf": 20, "image": 10}
#: The most pixels an uploaded image may have (a 50-megapixel camera's photos pass).
MAX_IMAGE_PIXELS = 50_000_000


class TooLarge(DomainError):
    status, code = 413, "too_large"


@dataclass(frozen=True)
class Checked:
    kind: str  # "video", "audio", "pdf" or "image"
    media_type: str
    extension: str
    title: str  # from the file's name, for a content given no title


def _refuse(message: str) -> Invalid:
    return Invalid(message, details={"file": message})


def _title(filename: str) -> str:
    if "/" in filename or "\\" in filename or filename.startswith(".") or "\x00" in filename:
        raise _refuse(gettext("The file's name must not hold a path."))
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return (stem.replace("_", " ").strip() or gettext("Untitled"))[:200]


def _kind_of(media_type: str) -> str | None:
    return next((kind for kind, types in TYPES.items() if media_type in types), None)


def check_upload(data: bytes, filename: str, kinds: tuple[str, ...] = tuple(TYPES)) -> Checked:
    """The file's kind, type and extension from its bytes; 413 when over its kind's limit,
    422 for anything elearn does not take (or not here: ``kinds``)."""
    title = _title(filename or "")
    if not data:
        raise _refuse(gettext("The file is empty."))
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) or b"<svg" in head:
        raise _refuse(gettext("SVG images are refused: they can carry scripts. Upload a PNG, JPEG or WebP."))
    guess = filetype.guess(data)
    kind = _kind_of(guess.mime) if guess else None
    if kind is None or kind not in kinds:
        allowed = ", ".join(sorted({ext for k in kinds for ext in TYPES[k].values()}))
        raise _refuse(gettext("This file is not one elearn takes here (its bytes are not %(types)s).", types=allowed))
    limits = current_app.config.get("UPLOAD_LIMITS") or DEFAULT_LIMITS_MB
    if len(data) > limits[kind] * 1024 * 1024:
        message = gettext("Files of this kind may be up to %(size)s MB.", size=limits[kind])
        raise TooLarge(message, details={"file": message})
    if kind == "image":
        _check_image(data)
    return Checked(kind, guess.mime, TYPES[kind][guess.mime], title)


def _check_image(data: bytes) -> None:
    """Refuse an image of too many pixels, unread, or one Pillow cannot decode whole (its
    chunks' checksums are verified too)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            pixels = image.width * image.height
            if pixels <= MAX_IMAGE_PIXELS:
                image.verify()
        if pixels <= MAX_IMAGE_PIXELS:
            with Image.open(io.BytesIO(data)) as image:  # (verify leaves the image unusable)
                image.load()
    except Image.DecompressionBombError:  # (Pillow's own limit, far above ours: refused on opening)
        raise _refuse(gettext("Images may have up to %(most)s megapixels.", most=MAX_IMAGE_PIXELS // 1_000_000)
                      ) from None
    except Exception:  # noqa: BLE001  (Pillow raises many kinds of error for bytes it cannot decode)
        raise _refuse(gettext("This image cannot be read.")) from None
    if pixels > MAX_IMAGE_PIXELS:
        message = gettext("Images may have up to %(most)s megapixels; this one has %(pixels)s.",
                          most=MAX_IMAGE_PIXELS // 1_000_000, pixels=round(pixels / 1_000_000))
        raise _refuse(message)
