"""What a learner's course page shows, gathered once for the page, actions and pushes."""
from dataclasses import dataclass

from ..catalog.service import course_detail
from ..db_types import utcnow
from ..enrollments.service import enrollment_of
from .service import course_progress, overall_progress

VIDEO_SUFFIXES = (".mp4", ".webm", ".ogg", ".ogv", ".mov")


@dataclass
class ModuleView:
    id: int
    order: int
    title: str
    description: str
    contents: list
    started: bool
    completed: bool
    started_at: object
    completed_at: object

    @property
    def status(self) -> str:
        return "completed" if self.completed else "started" if self.started else "not-started"


def embed_kind(content) -> str | None:
    """How to show a content item inline: "video" for a playable file, else None (link)."""
    if content.type == "video" and content.url.lower().split("?")[0].endswith(VIDEO_SUFFIXES):
        return "video"
    return None


def course_page_context(user, course_id: int) -> dict:
    """The course, the user's enrollment (or None) and, when enrolled, module statuses."""
    course = course_detail(user, course_id)
    enrollment = enrollment_of(user.id, course_id)
    context = {"course": course, "enrollment": enrollment, "modules": [], "progress": None,
               "overall": None, "now": utcnow(), "embed_kind": embed_kind}
    statuses = {}
    if enrollment is not None:
        progress = course_progress(user, enrollment.id)
        statuses = {m.module_id: m for m in progress.modules}
        context["progress"] = progress
        context["overall"] = overall_progress(user.id)
    for module in course.modules:
        status = statuses.get(module.id)
        context["modules"].append(ModuleView(
            module.id, module.position, module.title, module.description, module.contents,
            bool(status and status.started), bool(status and status.completed),
            status.started_at if status else None, status.completed_at if status else None))
    return context
