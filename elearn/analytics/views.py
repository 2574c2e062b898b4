"""The instructor dashboard (``/teach``): my courses, a course's analytics, its students,
and the course page's live view.

Every page is also a fragment: htmx requests for the student list and the heatmap get
just that section (search as you type, sort, paginate), and the live view pushes the
figures and charts while those two sections refresh themselves with their own filters.
The course page leaves out what lies below its first screen (the student list, the
heatmap, "Needs attention") and fetches each when it scrolls into view.

The figures and the student list are rendered once per change of the course and shared
from the cache by every instructor reading them in the same language (and, for the list's
times, the same zone); who may see them is checked on every request.
"""
from flask import Blueprint, make_response, render_template, url_for
from flask_babel import get_timezone, gettext
from flask_login import current_user
from markupsafe import Markup

from ..auth.models import User
from ..cache import CATALOG_GENERATION, PEOPLE_GENERATION, Entry, course_generation, read_ahead, stores_held
from ..errors import NotFound
from ..extensions import db
from ..i18n import current_language
from ..progress.queries import course_progress
from ..realtime.live import LiveView
from ..schemas import id_in
from ..web.access import login_required
from ..web.downloads import csv_attachment
from ..web.htmx import is_htmx, page_or_fragment
from ..web.inputs import parse_query
from ..web.page_cache import cached_page, keeps_page, kept_page, page_entry
from ..web.shared_html import html_entry, shared_html
from . import at_risk, service
from .schemas import AtRiskQuery, StudentQuery

bp = Blueprint("analytics", __name__, url_prefix="/teach")
STAFF = ("instructor", "admin")
STUDENTS_PER_PAGE = 25
HEATMAP_PER_PAGE = 20
#: Seconds a rendered student list is shared: its rows say "5 minutes ago".
STUDENT_LIST_TTL = 30


#: The course dashboard's figure sections (``analytics/_<name>.html``), in page order.
FIGURES = ("stats", "module_chart", "dropoff", "module_table")


def course_dashboard_context(actor, course_id: int, course=None) -> dict:
    """The course dashboard's figures and charts as HTML, for the page and its live pushes.

    Rendered once per change of the course and language, and shared from the cache by every
    instructor's page and every live push (they hold nothing else of the viewer's); who may
    see them is checked on every call (``course``: one the caller has just checked).
    """
    course = course or service.course_for_analytics(actor, course_id)
    figures = shared_html(_figures_html(course), lambda: _render_figures(course), ttl=service.figures_ttl(course))
    return {"title": course.title, "figures": figures}


def _figures_html(course) -> Entry:
    """Where the course's figures are kept as HTML (``shared_html``)."""
    return html_entry((course_generation(course.id), CATALOG_GENERATION),
                      f"course-figures-html:{course.id}:{current_language()}")


def _render_figures(course) -> dict[str, str]:
    analytics = service.analytics_of(course)
    context = {"analytics": analytics, "modules_by_id": {m.module_id: m for m in analytics.modules},
               "active_medians": service.median_active_seconds(course),
               "max_drop": max((d.learners for d in analytics.drop_off), default=0)}
    return {name: render_template(f"analytics/_{name}.html", **context) for name in FIGURES}


@bp.get("")
@login_required(*STAFF)
def my_courses():
    return render_template("analytics/my_courses.html", courses=service.courses_overview(current_user))


def _dashboard_pages(user_id: int, course_id: int) -> tuple[Entry, Entry]:
    """Where a reader's course page is kept: in a class, until the course or the catalog
    changes (what its figures show; it names no learner); in a large class
    (``service.LARGE_CLASS``), whose course changes every second, until the catalog
    changes. Either for ``STUDENT_LIST_TTL`` at most; the live view pushes the current
    figures as soon as the page connects."""
    return (page_entry("teach-course", user_id, (course_generation(course_id), CATALOG_GENERATION)),
            page_entry("teach-course-large", user_id, (CATALOG_GENERATION,)))


@bp.get("/courses/<int:course_id>")
@login_required(*STAFF, read_ahead=lambda user_id, course_id: list(_dashboard_pages(user_id, course_id))
                if keeps_page() else [])
def course_dashboard(course_id: int):
    """The course's figures and its student list. htmx asks this same address for the list
    alone (search, filters, sort, pages), so the address bar always holds a link to what the
    instructor sees. The plain address is kept whole for its reader (``page_cache``): a warm
    visit is the sign-in check and one lookup, in one round trip."""
    if is_htmx():
        return students(course_id)
    if keeps_page():
        in_a_class, in_a_large_class = _dashboard_pages(current_user.id, course_id)
        for entry in (in_a_class, in_a_large_class):
            page = kept_page(entry)
            if page is not None:
                return page
    course = service.course_for_analytics(current_user, course_id)
    query = parse_query(StudentQuery, lenient=True)
    # Everything the page may read from the cache, in the round trip of its first lookup.
    read_ahead([*service.dashboard_entries(course), _figures_html(course)])
    if not keeps_page():
        return _course_dashboard(course, query)
    return cached_page(in_a_large_class if service.is_large_class(course) else in_a_class,
                       lambda: _course_dashboard(course, query), ttl=STUDENT_LIST_TTL)


def _course_dashboard(course, query: StudentQuery) -> str:
    # The student list, "Needs attention" and the heatmap are fetched by the page when
    # scrolled to (each reads a page of the class): the page costs what its first screen costs.
    return render_template("analytics/course.html", course=course, course_id=course.id, query=query,
                           enrolled=course.enrollment_count, status_counts=service.student_status_counts(course),
                           **course_dashboard_context(current_user, course.id, course))


def _student_list(course, query: StudentQuery) -> dict:
    """The student list of a course whose access is checked, as HTML (``students_html``).

    A list without a search is shared from the cache until the course, the catalog or
    anyone's name changes, for ``STUDENT_LIST_TTL`` at most; a search is rendered afresh.
    """
    def render() -> str:
        return render_template("analytics/_students.html", course=course, course_id=course.id, query=query,
                               enrolled=course.enrollment_count, status_counts=service.student_status_counts(course),
                               students=service.students_of(course, query.q, query.sort, query.page,
                                                            STUDENTS_PER_PAGE, query.status))

    entry = _students_html(course, query)
    if entry is None:
        html = Markup(render())
    else:
        html = shared_html(entry, lambda: {"list": render()}, ttl=STUDENT_LIST_TTL)["list"]
    return {"course": course, "course_id": course.id, "title": course.title, "query": query, "students_html": html}


def _students_html(course, query: StudentQuery) -> Entry | None:
    """Where a list without a search is kept as HTML, per language and zone (its times);
    None for a search, which is rendered afresh."""
    if query.q and query.q.strip():
        return None
    return html_entry((course_generation(course.id), CATALOG_GENERATION, PEOPLE_GENERATION),
                      f"students-html:{course.id}:{current_language()}:{get_timezone()}:"
                      f"{query.sort}:{query.status or ''}:{query.page}")


@bp.get("/courses/<int:course_id>/students")
@login_required(*STAFF)
def students(course_id: int):
    """The student list: what the course page fetches when scrolled to (it asks the page's
    own address, which answers htmx with this), or a page of its own without JavaScript."""
    course = service.course_for_analytics(current_user, course_id)
    query = parse_query(StudentQuery, lenient=True)
    kept_list = _students_html(course, query)  # (and what rendering it may read: one round trip)
    read_ahead([*([kept_list] if kept_list else []), *service.student_list_entries(course)])
    with stores_held():  # (what it computes: one round trip too)
        context = _student_list(course, query)
    response = make_response(context["students_html"] if is_htmx()
                             else render_template("analytics/students_page.html", **context))
    response.vary.add("HX-Request")  # the same address answers htmx with the list alone
    return response


#: Learners shown in the course page's "Needs attention" panel; its own page lists them all.
AT_RISK_PANEL_SIZE = 5
AT_RISK_PER_PAGE = 25


def _at_risk_context(course, panel: bool, page: int = 1) -> dict:
    return {"at_risk": at_risk.learners_at_risk(course, page, AT_RISK_PANEL_SIZE if panel else AT_RISK_PER_PAGE),
            "panel": panel, "course_id": course.id, "title": course.title, "enrolled": course.enrollment_count,
            "at_risk_after_days": course.at_risk_after_days}


@bp.get("/courses/<int:course_id>/at-risk", endpoint="at_risk")
@login_required(*STAFF)
def at_risk_list(course_id: int):
    """Every learner of the course who needs attention (htmx: the list, or the page's panel)."""
    query = parse_query(AtRiskQuery, lenient=True)
    course = service.course_for_analytics(current_user, course_id)
    return page_or_fragment("analytics/at_risk_page.html", "analytics/_at_risk.html",
                            **_at_risk_context(course, query.panel and is_htmx(), query.page))


@bp.get("/courses/<int:course_id>/heatmap")
@login_required(*STAFF)
def heatmap(course_id: int):
    query = parse_query(StudentQuery, lenient=True)
    grid = service.student_module_grid(current_user, course_id, query.sort, query.q, query.page, HEATMAP_PER_PAGE)
    return page_or_fragment("analytics/heatmap_page.html", "analytics/_heatmap.html", course_id=course_id,
                            query=query, grid=grid)


@bp.get("/courses/<int:course_id>/students.csv")
@login_required(*STAFF)
def students_csv(course_id: int):
    query = parse_query(StudentQuery, lenient=True)
    lines = service.students_csv_rows(current_user, course_id, query.q, query.sort, query.status)
    return csv_attachment(lines, f"course-{course_id}-students.csv")


@bp.get("/courses/<int:course_id>/students/<int:enrollment_id>")
@login_required(*STAFF)
def student_detail(course_id: int, enrollment_id: int):
    service.course_for_analytics(current_user, course_id)
    progress = course_progress(current_user, enrollment_id)
    if progress.course_id != course_id:
        raise NotFound(gettext("No such student in this course."))
    student = db.session.get(User, progress.user_id)
    return page_or_fragment("analytics/student_page.html", "analytics/_student_detail.html", course_id=course_id,
                            progress=progress, student=student,
                            back=url_for("analytics.course_dashboard", course_id=course_id))


def course_dashboard_live_view(user, arg) -> LiveView:
    """The course dashboard, live: any student of the course progressing or enrolling."""
    course_id = id_in(arg) or 0
    service.course_for_analytics(user, course_id)  # 403/404 unless they teach it (or admin)
    user_id = user.id

    def wants(message: dict) -> bool:
        if message.get("type") == "import.applied":
            return course_id in message.get("courseIds", ())
        return message.get("courseId") == course_id and message.get("type") in (
            "progress.updated", "enrollment.created", "course.updated", "course.deleted")

    def render() -> str:
        actor = db.session.get(User, user_id)
        return render_template("analytics/_live.html", course_id=course_id,
                               **course_dashboard_context(actor, course_id))

    return LiveView(wants=wants, render=render, courses=frozenset({course_id}))


LIVE_VIEWS = {"teach-course": course_dashboard_live_view}
