"""The catalog pages: browsing (search as you type) and, for instructors and admins,
authoring: courses, their ordered modules and contents.

The rules (who may edit, ordering, counters) live in ``service.py``; these views read
forms, call it, and render. Module and content actions answer htmx with the refreshed
module editor and plain posts with a redirect back.
"""
from decimal import Decimal, InvalidOperation

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import format_decimal, gettext
from flask_login import current_user

from ..enrollments.service import enrolled_course_ids
from ..errors import DomainError, Invalid
from ..web.access import login_required
from ..web.htmx import hx_redirect, is_htmx, page_or_fragment
from ..web.inputs import parse_form, parse_query
from ..web.uploads import accepts_upload, largest_upload, uploaded_file
from . import media, service
from .lessons import MAX_BODY, render_markdown
from .models import Module
from .schemas import ContentIn, CourseIn, CourseQuery, ModuleIn, ModuleUpdateIn

bp = Blueprint("catalog", __name__)
PER_PAGE = 12
STAFF = ("instructor", "admin")
#: The highest price the form takes, in dollars (the API's limit is in cents).
MAX_PRICE = Decimal(1_000_000)


@bp.get("/courses")
@login_required()
def index():
    query = parse_query(CourseQuery, lenient=True)
    page = service.list_courses(current_user, query.q, query.category_id, query.difficulty_id,
                                page=query.page, per_page=PER_PAGE)
    return page_or_fragment(
        "catalog/index.html", "catalog/_results.html", results=page, query=query,
        enrolled=enrolled_course_ids(current_user.id, [course.id for course in page.items]),
        categories=service.list_categories(), difficulties=service.list_difficulties())


# --- authoring -------------------------------------------------------------------------

def _read_course_form():
    """The course form through ``CourseIn``: a price typed in dollars becomes cents, and a
    blank thumbnail means none. Returns ``(data, errors, values)``, values for refilling
    the form."""
    form = request.form
    overrides = {"thumbnail_url": form.get("thumbnailUrl") or None}
    price_error = {}
    try:
        price = Decimal(form.get("price") or "0")
        if not price.is_finite() or not 0 <= price <= MAX_PRICE:
            raise InvalidOperation
        overrides["price_cents"] = int((price * 100).to_integral_value())
    except InvalidOperation:
        price_error = {"price_cents": gettext("Enter a price like 49.00, from 0 to %(max)s (0 for free).",
                                              max=format_decimal(MAX_PRICE))}
    data, errors = parse_form(CourseIn, **overrides)
    values = {"title": form.get("title", ""), "description": form.get("description", ""),
              "category_id": form.get("categoryId") or None, "difficulty_id": form.get("difficultyId") or None,
              "thumbnail_url": overrides["thumbnail_url"], "published": form.get("published") == "on",
              "price_cents": overrides.get("price_cents"), "at_risk_after_days": form.get("atRiskAfterDays")}
    errors = {**errors, **price_error}
    return (None if errors else data), errors, values


def _form_page(course=None, values=None, errors=None, status=200):
    return render_template(
        "catalog/course_form.html", course=course, values=values or {}, errors=errors or {},
        categories=service.list_categories(), difficulties=service.list_difficulties(),
        modules=_modules(course.id) if course else []), status


def _modules(course_id: int) -> list[Module]:
    return service.course_detail(current_user, course_id).modules


@bp.route("/teach/courses/new", methods=["GET", "POST"])
@login_required(*STAFF)
def new_course():
    if request.method == "GET":
        return _form_page()
    data, errors, values = _read_course_form()
    if errors:
        return _form_page(values=values, errors=errors, status=422)
    try:
        course = service.create_course(current_user, **data.model_dump())
    except Invalid as error:
        return _form_page(values=values, errors=_field_errors(error), status=422)
    return redirect(url_for("catalog.edit_course", course_id=course.id), 303)


def _field_errors(error: Invalid) -> dict:
    names = {"categoryId": "category_id", "difficultyId": "difficulty_id"}
    return {names.get(k, k): v for k, v in error.details.items()} or {"form": error.message}


@bp.route("/teach/courses/<int:course_id>/edit", methods=["GET", "POST"])
@login_required(*STAFF)
def edit_course(course_id: int):
    course = service.get_course(current_user, course_id, edit=True)
    if request.method == "GET":
        return _form_page(course)
    data, errors, values = _read_course_form()
    if not errors:
        try:
            # (A form from before the field was on the page keeps the course's value, not the default.)
            kept = set() if "atRiskAfterDays" in request.form else {"at_risk_after_days"}
            service.update_course(current_user, course_id, **data.model_dump(exclude=kept))
        except Invalid as error:
            errors = _field_errors(error)
    if errors:
        return _form_page(course, values=values, errors=errors, status=422)
    return redirect(url_for("catalog.edit_course", course_id=course_id, saved=1), 303)


@bp.post("/teach/courses/<int:course_id>/delete")
@login_required(*STAFF)
def delete_course(course_id: int):
    service.delete_course(current_user, course_id)
    target = url_for("analytics.my_courses")
    return hx_redirect(target) if is_htmx() else redirect(target, 303)


def _back_to_modules(course_id: int, errors: dict | None = None, status: int = 200):
    """htmx: the refreshed module manager; a plain post: back to the edit page."""
    if is_htmx():
        course = service.get_course(current_user, course_id, edit=True)
        return render_template("catalog/_module_editor.html", course=course, modules=_modules(course_id),
                               errors=errors or {}), status
    if errors:
        course = service.get_course(current_user, course_id, edit=True)
        return _form_page(course, errors={"modules": errors}, status=status)
    return redirect(url_for("catalog.edit_course", course_id=course_id) + "#modules", 303)


@bp.post("/teach/courses/<int:course_id>/modules")
@login_required(*STAFF)
def add_module(course_id: int):
    service.get_course(current_user, course_id, edit=True)
    data, errors = parse_form(ModuleIn)
    if errors:
        return _back_to_modules(course_id, errors, 422)
    service.add_module(current_user, course_id, **data.model_dump())
    return _back_to_modules(course_id)


@bp.post("/teach/modules/<int:module_id>")
@login_required(*STAFF)
def update_module(module_id: int):
    module = service.get_module(current_user, module_id, edit=True)
    data, errors = parse_form(ModuleUpdateIn)
    if errors:
        return _back_to_modules(module.course_id, errors, 422)
    service.update_module(current_user, module_id, **data.model_dump(exclude_none=True))
    return _back_to_modules(module.course_id)


@bp.post("/teach/modules/<int:module_id>/move/<any(up, down):direction>")
@login_required(*STAFF)
def move_module(module_id: int, direction: str):
    module = service.get_module(current_user, module_id, edit=True)
    target = module.position - 1 if direction == "up" else module.position + 1
    if target >= 1:
        service.update_module(current_user, module_id, order=target)
    return _back_to_modules(module.course_id)


@bp.post("/teach/modules/<int:module_id>/delete")
@login_required(*STAFF)
def delete_module(module_id: int):
    course_id = service.get_module(current_user, module_id, edit=True).course_id
    service.delete_module(current_user, module_id)
    return _back_to_modules(course_id)


@bp.post("/teach/modules/<int:module_id>/contents")
@login_required(*STAFF)
@accepts_upload(largest_upload)
def add_content(module_id: int):
    """A content from the module editor: an uploaded file, an address, or a lesson."""
    module = service.get_module(current_user, module_id, edit=True)
    sent = request.files.get("file")
    if sent is not None and sent.filename:
        data, filename = uploaded_file()
        title = request.form.get("title", "").strip()[:200] or None
        try:
            media.add_uploaded_content(current_user, module_id, data=data, filename=filename, title=title)
        except DomainError as error:
            return _back_to_modules(module.course_id, {f"content-{module_id}-file": error.message}, error.status)
        return _back_to_modules(module.course_id)
    data, errors = parse_form(ContentIn)
    if errors:
        return _back_to_modules(module.course_id, {f"content-{module_id}-{k}": v for k, v in errors.items()}, 422)
    service.add_content(current_user, module_id, **data.model_dump())
    return _back_to_modules(module.course_id)


@bp.post("/teach/courses/<int:course_id>/thumbnail")
@login_required(*STAFF)
@accepts_upload(largest_upload)
def upload_thumbnail(course_id: int):
    course = service.get_course(current_user, course_id, edit=True)
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return _form_page(course, errors={"thumbnail": gettext("Choose an image.")}, status=422)
    data, filename = uploaded_file()
    try:
        media.set_thumbnail(current_user, course_id, data=data, filename=filename)
    except DomainError as error:
        return _form_page(course, errors={"thumbnail": error.message}, status=error.status)
    if is_htmx():
        return hx_redirect(url_for("catalog.edit_course", course_id=course_id, saved=1))
    return redirect(url_for("catalog.edit_course", course_id=course_id, saved=1), 303)


@bp.post("/teach/lessons/preview")
@login_required(*STAFF)
def preview_lesson():
    """A Markdown lesson as learners will read it (nothing is saved)."""
    body = request.form.get("body", "")[:MAX_BODY]
    if not body.strip():
        return render_template("catalog/_lesson_preview.html", html=None)
    return render_template("catalog/_lesson_preview.html", html=render_markdown(body))


@bp.post("/teach/contents/<int:content_id>/delete")
@login_required(*STAFF)
def delete_content(content_id: int):
    return _back_to_modules(service.delete_content(current_user, content_id))
