"""Files in courses: uploaded contents and thumbnails, and forgetting them when deleted.

An upload is checked from its bytes (``storage.uploads``), stored under a key named by
its SHA-256 (the same file uploaded twice is stored once), and only then written to the
database. A thumbnail is stored with resized copies (``storage.images``) unless the
storage resizes on delivery (Cloudinary). Deleting a content, a module or a course
releases its files: after the commit, a job deletes each one nothing else refers to.
"""
from sqlalchemy import func, select

from ..events import publish_after_commit
from ..extensions import db
from ..storage import key_for, storage
from ..storage.backends import rendition_key
from ..storage.images import FORMATS, rendition_keys, renditions
from ..storage.kinds import TYPES, kind_of_extension
from ..storage.uploads import Checked, check_upload
from .models import Content, Course
from .service import get_course, get_module, release_files


def store_file(data: bytes, filename: str, kinds: tuple[str, ...], *, resized: bool = False) -> tuple[Checked, str]:
    """Check a file and store it under its content-addressed key (an image with
    ``resized``: its copies for ``srcset`` too, unless the storage resizes on delivery)."""
    checked = check_upload(data, filename, kinds=kinds)
    key = key_for(data, checked.extension)
    backend = storage()
    copies = renditions(data) if resized and backend.renditions else {}  # (made before anything is stored)
    backend.save(key, data, checked.media_type)
    for (width, image_format), copy in copies.items():
        backend.save(rendition_key(key, width, image_format), copy, FORMATS[image_format])
    return checked, key


def add_uploaded_content(actor, module_id: int, *, data: bytes, filename: str, title: str | None = None,
                         type: str | None = None) -> Content:
    """A content holding an uploaded file (video, audio, PDF or image). ``type``, when
    given, must be what the bytes are."""
    module = get_module(actor, module_id, edit=True)
    checked, key = store_file(data, filename, (type,) if type in TYPES else tuple(TYPES))
    last = db.session.scalar(select(func.max(Content.position)).where(Content.module_id == module.id))
    content = Content(module_id=module.id, title=(title or checked.title)[:200], type=checked.kind, url=None,
                      storage_key=key, media_type=checked.media_type, size_bytes=len(data),
                      position=(last or 0) + 1)
    db.session.add(content)
    db.session.flush()
    publish_after_commit({"type": "course.updated", "courseId": module.course_id})
    return content


def set_thumbnail(actor, course_id: int, *, data: bytes, filename: str) -> Course:
    """The course's thumbnail, from an uploaded image (its resized copies stored with it)."""
    course = get_course(actor, course_id, edit=True)
    _checked, key = store_file(data, filename, ("image",), resized=True)
    released = course.thumbnail_key
    course.thumbnail_key, course.thumbnail_url = key, None
    db.session.flush()
    publish_after_commit({"type": "course.updated", "courseId": course.id})
    if released and released != key:
        release_files([released])
    return course


def forget_released_files(event: dict) -> None:
    """Job (``files.released``): delete each released file nothing refers to any more."""
    backend = storage()
    for key in event.get("keys", []):
        used = db.session.scalar(select(func.count()).select_from(Content).where(Content.storage_key == key)) or \
            db.session.scalar(select(func.count()).select_from(Course).where(Course.thumbnail_key == key))
        if used:
            continue
        backend.delete(key)
        if backend.renditions and kind_of_extension(key.rsplit(".", 1)[-1]) == "image":
            for copy in rendition_keys(key):
                backend.delete(copy)
