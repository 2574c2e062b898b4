"""Authoring pages. The rules (who may edit, ordering, counters) live in catalog.service;
these views only read forms, call it, and render. Module and content actions answer
htmx with the refreshed module manager and plain posts with a redirect back."""
from decimal import Decimal, InvalidOperation

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.access import login_required
from ..catalog import service
from ..catalog.models import Module
from ..catalog.schemas import ContentIn, CourseIn, ModuleIn, ModuleUpdateIn
from ..errors import Invalid
from ..web.forms import validate_form
from ..web.htmx import hx_redirect, is_htmx

bp = Blueprint("authoring", __name__, url_prefix="/teach")
STAFF = ("instructor", "admin")


def _course_values() -> tuple[dict, dict]:
    """Form fields as the schema wants them; a price typed in dollars becomes cents."""
    form = request.form
    values = {
        "title": form.get("title", ""),
        "description": form.get("description", ""),
        "category_id": form.get("categoryId") or None,
        "difficulty_id": form.get("difficultyId") or None,
        "thumbnail_url": form.get("thumbnailUrl") or None,
        "published": form.get("published") == "on",
    }
    errors = {}
    try:
        values["price_cents"] = int((Decimal(form.get("price") or "0") * 100).to_integral_value())
    except InvalidOperation:
        errors["price_cents"] = "Enter a price like 49.00 (0 for free)."
    return values, errors


def _form_page(course=None, values=None, errors=None, status=200):
    return render_template(
        "authoring/course_form.html", course=course, values=values or {}, errors=errors or {},
        categories=service.list_categories(), difficulties=service.list_difficulties(),
        modules=_modules(course.id) if course else []), status


def _modules(course_id: int) -> list[Module]:
    return service.course_detail(current_user, course_id).modules


@bp.route("/courses/new", methods=["GET", "POST"])
@login_required(*STAFF)
def new_course():
    if request.method == "GET":
        return _form_page()
    values, errors = _course_values()
    data, schema_errors = validate_form(CourseIn, values)
    errors = {**schema_errors, **errors}
    if errors:
        return _form_page(values=values, errors=errors, status=422)
    try:
        course = service.create_course(current_user, **data.model_dump())
    except Invalid as error:
        return _form_page(values=values, errors=_field_errors(error), status=422)
    return redirect(url_for("authoring.edit_course", course_id=course.id), 303)


def _field_errors(error: Invalid) -> dict:
    names = {"categoryId": "category_id", "difficultyId": "difficulty_id"}
    return {names.get(k, k): v for k, v in error.details.items()} or {"form": error.message}


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@login_required(*STAFF)
def edit_course(course_id: int):
    course = service.get_course(current_user, course_id, edit=True)
    if request.method == "GET":
        return _form_page(course)
    values, errors = _course_values()
    data, schema_errors = validate_form(CourseIn, values)
    errors = {**schema_errors, **errors}
    if not errors:
        try:
            service.update_course(current_user, course_id, **data.model_dump())
        except Invalid as error:
            errors = _field_errors(error)
    if errors:
        return _form_page(course, values=values, errors=errors, status=422)
    return redirect(url_for("authoring.edit_course", course_id=course_id, saved=1), 303)


@bp.post("/courses/<int:course_id>/delete")
@login_required(*STAFF)
def delete_course(course_id: int):
    service.delete_course(current_user, course_id)
    target = url_for("teach.my_courses")
    return hx_redirect(target) if is_htmx() else redirect(target, 303)


def _back_to_modules(course_id: int, errors: dict | None = None, status: int = 200):
    """htmx: the refreshed module manager; a plain post: back to the edit page."""
    if is_htmx():
        course = service.get_course(current_user, course_id, edit=True)
        return render_template("authoring/_modules.html", course=course, modules=_modules(course_id),
                               errors=errors or {}), status
    if errors:
        course = service.get_course(current_user, course_id, edit=True)
        return _form_page(course, errors={"modules": errors}, status=status)
    return redirect(url_for("authoring.edit_course", course_id=course_id) + "#modules", 303)


@bp.post("/courses/<int:course_id>/modules")
@login_required(*STAFF)
def add_module(course_id: int):
    service.get_course(current_user, course_id, edit=True)
    data, errors = validate_form(ModuleIn, {"title": request.form.get("title", ""),
                                            "description": request.form.get("description", ""),
                                            "order": request.form.get("order") or None})
    if errors:
        return _back_to_modules(course_id, errors, 422)
    service.add_module(current_user, course_id, **data.model_dump())
    return _back_to_modules(course_id)


@bp.post("/modules/<int:module_id>")
@login_required(*STAFF)
def update_module(module_id: int):
    module = service.get_module(current_user, module_id, edit=True)
    data, errors = validate_form(ModuleUpdateIn, {"title": request.form.get("title", ""),
                                                  "description": request.form.get("description", "")})
    if errors:
        return _back_to_modules(module.course_id, errors, 422)
    service.update_module(current_user, module_id, **data.model_dump(exclude_none=True))
    return _back_to_modules(module.course_id)


@bp.post("/modules/<int:module_id>/move/<any(up, down):direction>")
@login_required(*STAFF)
def move_module(module_id: int, direction: str):
    module = service.get_module(current_user, module_id, edit=True)
    target = module.position - 1 if direction == "up" else module.position + 1
    if target >= 1:
        service.update_module(current_user, module_id, order=target)
    return _back_to_modules(module.course_id)


@bp.post("/modules/<int:module_id>/delete")
@login_required(*STAFF)
def delete_module(module_id: int):
    course_id = service.get_module(current_user, module_id, edit=True).course_id
    service.delete_module(current_user, module_id)
    return _back_to_modules(course_id)


@bp.post("/modules/<int:module_id>/contents")
@login_required(*STAFF)
def add_content(module_id: int):
    module = service.get_module(current_user, module_id, edit=True)
    data, errors = validate_form(ContentIn, {k: request.form.get(k, "") for k in ("title", "type", "url")})
    if errors:
        return _back_to_modules(module.course_id, {f"content-{module_id}-{k}": v for k, v in errors.items()}, 422)
    service.add_content(current_user, module_id, **data.model_dump())
    return _back_to_modules(module.course_id)


@bp.post("/contents/<int:content_id>/delete")
@login_required(*STAFF)
def delete_content(content_id: int):
    return _back_to_modules(service.delete_content(current_user, content_id))
