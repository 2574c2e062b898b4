"""Where uploaded files live: one interface, chosen by ``STORAGE_URL``.

- ``file:`` (the default, under ``instance/uploads/``; or ``file:/a/path``): this app
  serves them at ``/media/<key>``, with range requests (seeking in a video), an ETag, and
  a year of caching: keys are named by the file's SHA-256, so a key's bytes never change.
  A content's address is signed and expires, as S3's do.
- ``s3://bucket/prefix``: Amazon S3 or any S3-compatible store (``S3_ENDPOINT_URL``),
  through boto3; browsers fetch the files through presigned addresses that expire.
- ``cloudinary://key:secret@cloud``: Cloudinary, through its own SDK; images are resized
  by Cloudinary's delivery transformations instead of being resized here.

``storage()`` is the app's backend. Keys are made here (``key_for``), never from a file's
name, so nothing a user sends can name a path.
"""
import hashlib

from flask import Flask, current_app

from .backends import IMAGE_WIDTHS, CloudinaryStorage, FileStorage, S3Storage, Storage

__all__ = ["Storage", "storage", "init_storage", "key_for", "thumbnail_address", "thumbnail_srcset"]


def key_for(data: bytes, extension: str) -> str:
    """The content-addressed key of ``data``: its SHA-256, then the extension of its type."""
    return f"{hashlib.sha256(data).hexdigest()[:40]}.{extension}"


def storage() -> Storage:
    return current_app.extensions["elearn.storage"]


def init_storage(app: Flask) -> None:
    url = app.config.get("STORAGE_URL") or "file:"
    if url.startswith("file:"):
        backend = FileStorage(url[len("file:"):] or str(app.instance_path) + "/uploads",
                              expires=app.config.get("STORAGE_URL_EXPIRES", 3600))
    elif url.startswith("s3://"):
        backend = S3Storage(url, endpoint_url=app.config.get("S3_ENDPOINT_URL"),
                            expires=app.config.get("STORAGE_URL_EXPIRES", 3600))
    elif url.startswith("cloudinary://"):
        backend = CloudinaryStorage(url)
    else:
        raise RuntimeError(f"STORAGE_URL must start with file:, s3:// or cloudinary://, not {url!r}")
    app.extensions["elearn.storage"] = backend


def thumbnail_address(key: str | None, url: str | None) -> str | None:
    """A course's thumbnail: an uploaded one (``key``, its 640-pixel JPEG), else ``url``."""
    return storage().image_url(key, 640, "jpg") if key else url


def thumbnail_srcset(key: str, image_format: str) -> str:
    """An uploaded thumbnail's resized copies in ``image_format``, for ``srcset``."""
    return ", ".join(f"{storage().image_url(key, width, image_format)} {width}w" for width in IMAGE_WIDTHS)
