"""JSON progress endpoints: the seed's eight, plus bulk writes and batch reads."""
from flask import url_for
from flask_jwt_extended import current_user

from ..web.api import api_route
from . import service
from .schemas import (BatchQuery, BulkIn, BulkOut, CourseProgressListOut, CourseProgressOut, OverallOut,
                      ProgressIn, ProgressOut, ProgressQuery, ProgressUpdateIn)
from ..schemas import PageQuery


@api_route("/progress", "POST", body=ProgressIn, response=ProgressOut, status=201, errors=(403, 404, 409, 422))
def start_module(body: ProgressIn):
    """Start a module (create its progress record); 409 if the record exists."""
    record = service.start_module(current_user, body.enrollment_id, body.module_id, body.completed)
    return record, {"Location": url_for("api.progress_enrollment_records", enrollment_id=record.enrollment_id)}


@api_route("/progress/my-progress", query=PageQuery, response=ProgressOut, paginated=True)
def my_progress(query: PageQuery):
    """The caller's progress records, most recently changed first."""
    return service.records_of_user(current_user, query.page, query.per_page)


@api_route("/progress/enrollment/<int:enrollment_id>", response=ProgressOut, many=True, errors=(404,))
def enrollment_records(enrollment_id: int):
    """One enrollment's progress records, in module order."""
    return service.records_of_enrollment(current_user, enrollment_id)


@api_route("/progress/course/<int:enrollment_id>", response=CourseProgressOut, errors=(404,))
def course_progress(enrollment_id: int):
    """Course progress of an enrollment, with every module of the course in order."""
    return service.course_progress(current_user, enrollment_id)


@api_route("/progress/courses", query=BatchQuery, response=CourseProgressListOut, errors=(404, 422))
def course_progresses(query: BatchQuery):
    """Several course progresses in one call: ``?ids=`` enrollment ids, comma-separated."""
    return {"items": service.course_progresses(current_user, query.id_list())}


@api_route("/progress/<int:progress_id>", "PATCH", body=ProgressUpdateIn, response=ProgressOut, errors=(403, 404))
def update_progress(progress_id: int, body: ProgressUpdateIn):
    """Complete or reopen a progress record (its owner only)."""
    return service.update_progress(current_user, progress_id, body.completed)


@api_route("/progress/mark-completed/<int:enrollment_id>/<int:module_id>", "POST", response=ProgressOut,
           errors=(403, 404, 422))
def mark_completed(enrollment_id: int, module_id: int):
    """Mark a module completed. Idempotent: repeating it changes nothing and never duplicates."""
    return service.mark_module_completed(current_user, enrollment_id, module_id)


@api_route("/progress/bulk", "POST", body=BulkIn, response=BulkOut, errors=(404, 422))
def bulk(body: BulkIn):
    """Apply up to 1,000 completions in one transaction, with a result per item."""
    results = service.bulk_set_completed(
        current_user, [service.BulkItem(i.enrollment_id, i.module_id, i.completed) for i in body.items])
    return {
        "results": results,
        "changed": sum(r.status == "changed" for r in results),
        "unchanged": sum(r.status == "unchanged" for r in results),
        "errors": sum(r.status == "error" for r in results),
    }


@api_route("/progress/overall", response=OverallOut)
def overall():
    """The caller's progress over all their courses (completed modules over all modules)."""
    return service.overall_progress(current_user.id)


@api_route("/progress", query=ProgressQuery, response=ProgressOut, paginated=True, roles=("admin",))
def all_progress(query: ProgressQuery):
    """Every progress record, filterable by user, course and completion (admin)."""
    return service.all_records(current_user, query.user_id, query.course_id, query.completed,
                               query.page, query.per_page)
