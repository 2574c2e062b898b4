"""JSON catalog and course authoring."""
from flask import url_for
from flask_babel import gettext
from flask_jwt_extended import current_user

from ..errors import Invalid
from ..web.inputs import parse_form
from ..web.json_api import JsonApi
from ..web.uploads import accepts_upload, largest_upload, uploaded_file
from . import media, service
from .schemas import (
    ContentIn,
    ContentOut,
    CourseDetailOut,
    CourseIn,
    CourseOut,
    CourseQuery,
    CourseUpdateIn,
    LookupOut,
    ModuleIn,
    ModuleOut,
    ModuleUpdateIn,
    UploadFields,
)

api = JsonApi("catalog", __name__)


def upload_fields() -> UploadFields:
    """An upload's form fields beside its file, checked; 422 naming a bad one."""
    data, errors = parse_form(UploadFields)
    if data is None:
        raise Invalid(gettext("Some fields are invalid."), details=errors)
    return data
AUTHORS = ("instructor", "admin")


@api.operation("/categories", response=LookupOut, many=True)
def categories():
    """Course categories (for ``categoryId``)."""
    return service.list_categories()


@api.operation("/difficulties", response=LookupOut, many=True)
def difficulties():
    """Course difficulties (for ``difficultyId``), easiest first."""
    return service.list_difficulties()


@api.operation("/courses", query=CourseQuery, response=CourseOut, paginated=True)
def list_courses(query: CourseQuery):
    """The catalog: published courses, plus the caller's own drafts (admins see all)."""
    return service.list_courses(current_user, query.q, query.category_id, query.difficulty_id,
                                query.mine, query.page, query.per_page)


@api.operation("/courses/<int:course_id>", response=CourseDetailOut, errors=(404,))
def get_course(course_id: int):
    """A course with its ordered modules and their contents."""
    return service.course_detail(current_user, course_id)


@api.operation("/courses", "POST", body=CourseIn, response=CourseDetailOut, status=201, roles=AUTHORS, errors=(422,))
def create_course(body: CourseIn):
    """Create a course owned by the caller."""
    course = service.create_course(current_user, **body.model_dump())
    return service.course_detail(current_user, course.id), {
        "Location": url_for("catalog_api.get_course", course_id=course.id)}


@api.operation("/courses/<int:course_id>", "PATCH", body=CourseUpdateIn, response=CourseDetailOut,
           errors=(403, 404, 422))
def update_course(course_id: int, body: CourseUpdateIn):
    """Change a course (its instructor or an admin)."""
    service.update_course(current_user, course_id, **body.model_dump(exclude_unset=True))
    return service.course_detail(current_user, course_id)


@api.operation("/courses/<int:course_id>", "DELETE", status=204, errors=(403, 404))
def delete_course(course_id: int):
    """Delete a course with its modules, enrollments and progress."""
    service.delete_course(current_user, course_id)


@api.operation("/courses/<int:course_id>/modules", "POST", body=ModuleIn, response=ModuleOut, status=201,
           errors=(403, 404))
def add_module(course_id: int, body: ModuleIn):
    """Add a module: appended, or inserted at ``order`` moving later ones down."""
    return service.add_module(current_user, course_id, **body.model_dump())


@api.operation("/modules/<int:module_id>", "PATCH", body=ModuleUpdateIn, response=ModuleOut, errors=(403, 404))
def update_module(module_id: int, body: ModuleUpdateIn):
    """Rename, describe or move a module (``order`` reorders the others), or choose how it
    completes (``completionRule``: ``manual``, ``view`` or ``watch`` with ``watchPercent``)."""
    return service.update_module(current_user, module_id, **body.model_dump(exclude_unset=True))


@api.operation("/modules/<int:module_id>", "DELETE", status=204, errors=(403, 404))
def delete_module(module_id: int):
    """Delete a module and its progress; enrollments' numbers follow."""
    service.delete_module(current_user, module_id)


@api.operation("/modules/<int:module_id>/contents", "POST", body=ContentIn, response=ContentOut, status=201,
               errors=(403, 404, 413), upload="file")
@accepts_upload(largest_upload)
def add_content(module_id: int, body: ContentIn | None):
    """Attach a content at an address (video, audio, PDF, image, article, link, quiz), a
    lesson written in Markdown (``type: "text"`` with its ``body``), or, as
    ``multipart/form-data``, an uploaded file (``file``; ``title`` and ``type`` optional: the
    type is read from the file's bytes)."""
    if body is not None:
        return service.add_content(current_user, module_id, **body.model_dump())
    service.get_module(current_user, module_id, edit=True)  # who may, before what they sent
    data, filename = uploaded_file()
    fields = upload_fields()
    return media.add_uploaded_content(current_user, module_id, data=data, filename=filename, title=fields.title,
                                      type=fields.type)


@api.operation("/courses/<int:course_id>/thumbnail", "PUT", response=CourseOut, errors=(403, 404, 413),
               upload="file")
@accepts_upload(largest_upload)
def set_thumbnail(course_id: int):
    """The course's thumbnail, from an uploaded image (PNG, JPEG, GIF or WebP; never SVG),
    resized to 320, 640 and 1280 pixels wide in WebP and JPEG."""
    service.get_course(current_user, course_id, edit=True)  # who may, before what they sent
    data, filename = uploaded_file()
    return media.set_thumbnail(current_user, course_id, data=data, filename=filename)


@api.operation("/contents/<int:content_id>", "DELETE", status=204, errors=(403, 404))
def delete_content(content_id: int):
    """Remove a content item."""
    service.delete_content(current_user, content_id)
