"""The storage backends: the local directory, S3 (boto3) and Cloudinary (its SDK)."""
import hashlib
import hmac
import os
import re
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for

from ..schemas import id_in
from .kinds import kind_of_extension

#: Widths an uploaded image is offered at (``srcset``).
IMAGE_WIDTHS = (320, 640, 1280)


#: The least time an address of a video or an audio file stays valid: a player asks for
#: ranges of the file as long as the learner watches, on the address its page gave.
PLAYBACK_SECONDS = 6 * 3600


class Storage:
    """What every backend does. ``renditions`` says whether images must be resized here
    (local, S3) or are resized on delivery (Cloudinary)."""

    renditions = True
    #: Seconds an address given out stays valid (``STORAGE_URL_EXPIRES``), for backends that sign them.
    expires = 3600

    def lifetime(self, key: str) -> int:
        """How long an address of ``key`` given out now stays valid: ``expires``, and for a
        video or audio file at least ``PLAYBACK_SECONDS`` (a lecture must not stop playing)."""
        playable = kind_of_extension(key.rsplit(".", 1)[-1]) in ("video", "audio")
        return max(self.expires, PLAYBACK_SECONDS) if playable else self.expires

    def save(self, key: str, data: bytes, media_type: str) -> None:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def url(self, key: str) -> str:
        """An address a browser can fetch the file at now."""
        raise NotImplementedError

    def image_url(self, key: str, width: int, image_format: str) -> str:
        """The address of an image resized to ``width`` in ``image_format`` ("webp" or "jpg")."""
        return self.url(rendition_key(key, width, image_format))


def rendition_key(key: str, width: int, image_format: str) -> str:
    return f"{key.rsplit('.', 1)[0]}-{width}.{image_format}"


#: A resized copy of a thumbnail (``rendition_key``): shown in the public catalog.
_RENDITION = re.compile(r"[0-9a-f]{40}-[0-9]+\.(?:webp|jpg)")


class FileStorage(Storage):
    """A directory (``instance/uploads`` by default); served by ``/media/<key>``.

    A content's file is linked through an address that expires, as S3's presigned ones
    do (``lifetime``): a link copied out of a course stops working. The address stays the
    same for half its lifetime, so browsers keep using what they cached, and is valid for
    at least half of it. Thumbnails' resized copies, which the public catalog shows, are
    linked as they are."""

    def __init__(self, root: str, expires: int = 3600):
        self.root = Path(root)
        self.expires = expires

    def path(self, key: str) -> Path:
        if "/" in key or "\\" in key or key.startswith("."):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key[:2] / key

    def save(self, key: str, data: bytes, media_type: str) -> None:
        target = self.path(key)
        if target.exists():
            return  # content-addressed: the same bytes are there already
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, target)  # whole or not at all, even with two writers

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def url(self, key: str) -> str:
        """``/media/<key>?expires=&signature=`` (under the app's path in a request; also
        outside one, for jobs)."""
        if _RENDITION.fullmatch(key):
            return self._address(key)
        period = max(self.lifetime(key) // 2, 1)
        expires = (int(time.time()) // period + 2) * period
        return self._address(key, expires=expires, signature=_signature(key, expires))

    @staticmethod
    def _address(key: str, **query) -> str:
        if has_request_context():
            return url_for("media.file", key=key, **query)
        return f"/media/{key}" + ("?" + "&".join(f"{name}={value}" for name, value in query.items()) if query else "")

    @staticmethod
    def may_serve(key: str, expires: str | None, signature: str | None) -> bool:
        """Whether a request for ``key`` carries an address ``url`` made that has not expired."""
        if _RENDITION.fullmatch(key):
            return True
        deadline = id_in(expires)
        return (deadline is not None and deadline > time.time() and signature is not None
                and hmac.compare_digest(signature.encode(), _signature(key, deadline).encode()))


def _signature(key: str, expires: int) -> str:
    """The key and its deadline, signed with the app's key (names the key: an address of
    one file opens no other)."""
    message = f"elearn.media:{key}:{expires}".encode()
    return hmac.new(current_app.secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


class S3Storage(Storage):
    """``s3://bucket/prefix``: objects under the prefix; presigned GET addresses."""

    def __init__(self, url: str, endpoint_url: str | None = None, expires: int = 3600):
        import boto3
        from botocore.config import Config

        parts = urlsplit(url)
        self.bucket, self.prefix, self.expires = parts.netloc, parts.path.strip("/"), expires
        # Signature version 4 everywhere (the older one is refused by newer regions and stores).
        self.client = boto3.client("s3", endpoint_url=endpoint_url, config=Config(signature_version="s3v4"))

    def _name(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def save(self, key: str, data: bytes, media_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data, ContentType=media_type,
                               CacheControl="public, max-age=31536000, immutable")

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def url(self, key: str) -> str:
        return self.client.generate_presigned_url("get_object", Params={"Bucket": self.bucket,
                                                                        "Key": self._name(key)},
                                                  ExpiresIn=self.lifetime(key))


class CloudinaryStorage(Storage):
    """``cloudinary://key:secret@cloud``: uploads through Cloudinary's SDK; images are
    resized by delivery transformations (``w_<width>,c_limit,f_<format>``)."""

    renditions = False

    def __init__(self, url: str, upload_prefix: str | None = None):
        parts = urlsplit(url)
        self.config = {"cloud_name": parts.hostname, "api_key": parts.username, "api_secret": parts.password,
                       "secure": True}
        if upload_prefix:  # another address for its upload API (the tests' fake)
            self.config["upload_prefix"] = upload_prefix

    def _public_id(self, key: str) -> str:
        return key.rsplit(".", 1)[0]

    @staticmethod
    def _kind(key: str) -> str:
        """Cloudinary's resource type: images and PDFs (it renders their pages) are "image",
        video and audio "video"."""
        kind = kind_of_extension(key.rsplit(".", 1)[-1])
        return "image" if kind in ("image", "pdf") else "video" if kind in ("video", "audio") else "raw"

    def save(self, key: str, data: bytes, media_type: str) -> None:
        import cloudinary.uploader

        cloudinary.uploader.upload(data, public_id=self._public_id(key), resource_type=self._kind(key),
                                   overwrite=False, **self.config)

    def delete(self, key: str) -> None:
        import cloudinary.uploader

        cloudinary.uploader.destroy(self._public_id(key), resource_type=self._kind(key), **self.config)

    def url(self, key: str) -> str:
        import cloudinary.utils

        public_id, extension = key.rsplit(".", 1)
        address, _options = cloudinary.utils.cloudinary_url(public_id, resource_type=self._kind(key),
                                                            format=extension, **self.config)
        return address

    def image_url(self, key: str, width: int, image_format: str) -> str:
        import cloudinary.utils

        address, _options = cloudinary.utils.cloudinary_url(
            self._public_id(key), resource_type="image", format=image_format, width=width, crop="limit",
            **self.config)
        return address
