"""Catalog rules: who sees and edits which course, module order, and the module counter.

Every change to a course's modules keeps ``Course.module_count`` right in the same
transaction, and tells the features that count over modules (``signals.py``) so that
theirs stay right too. Every change publishes ``course.created``, ``course.updated`` or
``course.deleted`` for the pages showing the course.
"""
from flask_babel import gettext
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import selectinload

from ..errors import Forbidden, Invalid, NotFound
from ..events import publish_after_commit
from ..extensions import db
from ..pagination import Page, paginate
from ..text_search import contains_pattern
from .models import Category, Content, Course, Difficulty, Module
from .signals import module_deleting, modules_changed

# --- access ---------------------------------------------------------------------------

def can_edit(actor, course: Course) -> bool:
    """Admins, and the course's instructor while they are an instructor: a demoted
    instructor keeps no rights over the courses they used to teach."""
    return teaches_or_admin(actor, course.instructor_id)


def teaches_or_admin(actor, instructor_id: int) -> bool:
    """``can_edit`` of a course taught by ``instructor_id``."""
    return actor.role == "admin" or (actor.role == "instructor" and instructor_id == actor.id)


def can_view(actor, course: Course) -> bool:
    return course.published or can_edit(actor, course)


def visible_courses_clause(actor):
    """SQL condition for the courses ``actor`` may see in the catalog: ``can_view``'s rule
    (a demoted instructor's drafts are no longer theirs to see)."""
    if actor.role == "admin":
        return True
    if actor.role == "instructor":
        return or_(Course.published.is_(True), Course.instructor_id == actor.id)
    return Course.published.is_(True)


def get_course(actor, course_id: int, edit: bool = False) -> Course:
    """Load a course the actor may see (404 otherwise) and, with ``edit``, change (403)."""
    course = visible_to(actor, db.session.get(Course, course_id))
    if edit and not can_edit(actor, course):
        raise Forbidden(gettext("Only the course's instructor or an admin can change it."))
    return course


def visible_to(actor, course):
    """``course`` (a ``Course``, or a row of its columns) if it exists and ``actor`` may see
    it; 404 otherwise, the same for a draft as for no course at all."""
    if course is None or not can_view(actor, course):
        raise NotFound(gettext("No such course."))
    return course


def get_module(actor, module_id: int, edit: bool = False) -> Module:
    module = db.session.get(Module, module_id)
    if module is None:
        raise NotFound(gettext("No such module."))
    get_course(actor, module.course_id, edit=edit)
    return module


# --- reading ----------------------------------------------------------------------------

def list_categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.name)))


def list_difficulties() -> list[Difficulty]:
    return list(db.session.scalars(select(Difficulty).order_by(Difficulty.rank, Difficulty.name)))


def list_courses(actor, q=None, category_id=None, difficulty_id=None, mine=False,
                 page=1, per_page=50) -> Page:
    stmt = select(Course).where(visible_courses_clause(actor)).order_by(Course.title, Course.id)
    if mine:
        stmt = stmt.where(Course.instructor_id == actor.id)
    if q:
        pattern = contains_pattern(q)
        stmt = stmt.where(or_(Course.title.ilike(pattern, escape="\\"),
                              Course.description.ilike(pattern, escape="\\")))
    if category_id:
        stmt = stmt.where(Course.category_id == category_id)
    if difficulty_id:
        stmt = stmt.where(Course.difficulty_id == difficulty_id)
    return paginate(stmt, page, per_page)


def course_detail(actor, course_id: int) -> Course:
    """The course with its ordered modules and their contents (three queries)."""
    get_course(actor, course_id)
    return db.session.scalar(
        select(Course).where(Course.id == course_id).execution_options(populate_existing=True)
        .options(selectinload(Course.modules).selectinload(Module.contents))
    )


# --- courses ----------------------------------------------------------------------------

def _check_lookups(category_id, difficulty_id) -> None:
    errors = {}
    if category_id is not None and db.session.get(Category, category_id) is None:
        errors["categoryId"] = gettext("No such category.")
    if difficulty_id is not None and db.session.get(Difficulty, difficulty_id) is None:
        errors["difficultyId"] = gettext("No such difficulty.")
    if errors:
        raise Invalid(gettext("Some fields are invalid."), details=errors)


def create_course(actor, *, title, description="", category_id=None, difficulty_id=None,
                  price_cents=0, thumbnail_url=None, published=False, at_risk_after_days=14) -> Course:
    if actor.role not in ("instructor", "admin"):
        raise Forbidden(gettext("Only instructors and admins create courses."))
    _check_lookups(category_id, difficulty_id)
    course = Course(title=title, description=description, category_id=category_id,
                    difficulty_id=difficulty_id, price_cents=price_cents,
                    thumbnail_url=thumbnail_url, published=published, at_risk_after_days=at_risk_after_days,
                    instructor_id=actor.id)
    db.session.add(course)
    db.session.flush()
    publish_after_commit({"type": "course.created", "courseId": course.id})
    return course


def update_course(actor, course_id: int, **changes) -> Course:
    course = get_course(actor, course_id, edit=True)
    _check_lookups(changes.get("category_id"), changes.get("difficulty_id"))
    for name, value in changes.items():
        setattr(course, name, value)
    db.session.flush()
    publish_after_commit({"type": "course.updated", "courseId": course.id})
    return course


def delete_course(actor, course_id: int) -> None:
    """Delete a course with its modules, enrollments and history (database cascades), and
    release its stored files."""
    get_course(actor, course_id, edit=True)
    release_files(files_of(course_id=course_id))
    db.session.execute(delete(Course).where(Course.id == course_id))
    db.session.expire_all()
    publish_after_commit({"type": "course.deleted", "courseId": course_id})


# --- modules ----------------------------------------------------------------------------

def _editing_modules(course_id: int, module_id: int | None = None) -> None:
    """Hold the course's row until the commit, so that changes to its modules (adding,
    moving, deleting) run one at a time, each reading the positions and counters the one
    before left; then make sure ``module_id`` is still there. Run at once, two deletes of
    one module (a double click) both took its completions off the learners' counts, and
    two adds both took the last position."""
    db.session.execute(select(Course.id).where(Course.id == course_id).with_for_update())
    if module_id is not None and db.session.scalar(select(Module.id).where(Module.id == module_id)) is None:
        raise NotFound(gettext("No such module."))


def _module_ids_in_order(course_id: int) -> list[int]:
    return list(db.session.scalars(
        select(Module.id).where(Module.course_id == course_id).order_by(Module.position)))


def _renumber(course_id: int, ordered_ids: list[int]) -> None:
    """Give the modules positions 1..n in this order.

    Two passes because (course_id, position) is unique and checked row by row: first move
    every position out of the way (negative), then set the final ones.
    """
    db.session.execute(
        update(Module).where(Module.course_id == course_id).values(position=-Module.position)
        .execution_options(synchronize_session=False))
    if ordered_ids:
        db.session.execute(
            update(Module).execution_options(synchronize_session=False),
            [{"id": module_id, "position": index} for index, module_id in enumerate(ordered_ids, 1)],
        )
    db.session.expire_all()


def _count_modules(course_id: int, delta: int) -> None:
    db.session.execute(update(Course).where(Course.id == course_id)
                       .values(module_count=Course.module_count + delta)
                       .execution_options(synchronize_session=False))


def recount_module_counts(course_ids: list[int] | None = None) -> None:
    """Rebuild ``Course.module_count`` from the modules (one UPDATE): for bulk loaders, and
    for tests proving the counter never drifts."""
    counted = select(func.count(Module.id)).where(Module.course_id == Course.id).scalar_subquery()
    stmt = update(Course).values(module_count=counted)
    if course_ids is not None:
        stmt = stmt.where(Course.id.in_(course_ids))
    db.session.execute(stmt.execution_options(synchronize_session=False))


def add_module(actor, course_id: int, *, title, description="", order=None) -> Module:
    """Append a module, or insert it at ``order`` (1-based) and move the rest down."""
    get_course(actor, course_id, edit=True)
    _editing_modules(course_id)
    ids = _module_ids_in_order(course_id)
    module = Module(course_id=course_id, title=title, description=description,
                    position=len(ids) + 1)
    db.session.add(module)
    db.session.flush()
    if order is not None and order <= len(ids):
        ids.insert(order - 1, module.id)
        _renumber(course_id, ids)
    _count_modules(course_id, +1)
    modules_changed.send(course_id)
    publish_after_commit({"type": "course.updated", "courseId": course_id})
    return db.session.get(Module, module.id)


def update_module(actor, module_id: int, *, title=None, description=None, order=None, completion_rule=None,
                  watch_percent=None) -> Module:
    module = get_module(actor, module_id, edit=True)
    _editing_modules(module.course_id, module_id)
    if title is not None:
        module.title = title
    if description is not None:
        module.description = description
    if completion_rule is not None:
        module.completion_rule = completion_rule
    if watch_percent is not None:
        module.watch_percent = watch_percent
    db.session.flush()
    course_id = module.course_id
    if order is not None and order != module.position:
        ids = _module_ids_in_order(course_id)
        ids.remove(module_id)
        ids.insert(min(order, len(ids) + 1) - 1, module_id)
        _renumber(course_id, ids)
        modules_changed.send(course_id)
    publish_after_commit({"type": "course.updated", "courseId": course_id})
    return db.session.get(Module, module_id)


def delete_module(actor, module_id: int) -> None:
    """Delete a module and its progress; every enrollment's counts follow."""
    module = get_module(actor, module_id, edit=True)
    course_id = module.course_id
    _editing_modules(course_id, module_id)
    release_files(files_of(module_id=module_id))
    module_deleting.send(course_id, module_id=module_id)
    db.session.execute(delete(Module).where(Module.id == module_id))
    _count_modules(course_id, -1)
    _renumber(course_id, _module_ids_in_order(course_id))
    modules_changed.send(course_id)
    publish_after_commit({"type": "course.updated", "courseId": course_id})


# --- contents ---------------------------------------------------------------------------

def add_content(actor, module_id: int, *, title, type, url=None, body=None) -> Content:
    """A content at ``url``, or a ``text`` lesson whose Markdown is ``body``."""
    module = get_module(actor, module_id, edit=True)
    last = db.session.scalar(select(func.max(Content.position)).where(Content.module_id == module.id))
    content = Content(module_id=module.id, title=title, type=type, url=url, body=body, position=(last or 0) + 1)
    db.session.add(content)
    db.session.flush()
    publish_after_commit({"type": "course.updated", "courseId": module.course_id})
    return content


def delete_content(actor, content_id: int) -> int:
    """Remove a content item; returns its course's id."""
    content = db.session.get(Content, content_id)
    if content is None:
        raise NotFound(gettext("No such content."))
    module = get_module(actor, content.module_id, edit=True)
    release_files(files_of(content_id=content_id))
    db.session.execute(delete(Content).where(Content.id == content_id))
    publish_after_commit({"type": "course.updated", "courseId": module.course_id})
    return module.course_id


# --- stored files -------------------------------------------------------------------------

def files_of(*, content_id: int | None = None, module_id: int | None = None, course_id: int | None = None) -> list[str]:
    """The stored keys a content, a module or a course holds (read before deleting it)."""
    stmt = select(Content.storage_key).where(Content.storage_key.is_not(None))
    if content_id is not None:
        stmt = stmt.where(Content.id == content_id)
    elif module_id is not None:
        stmt = stmt.where(Content.module_id == module_id)
    else:
        stmt = stmt.join(Module, Module.id == Content.module_id).where(Module.course_id == course_id)
    keys = list(db.session.scalars(stmt))
    if course_id is not None:
        keys += [k for k in [db.session.scalar(select(Course.thumbnail_key).where(Course.id == course_id))] if k]
    return keys


def release_files(keys: list[str]) -> None:
    """After the commit, delete these files unless something still refers to them."""
    if keys:
        publish_after_commit({"type": "files.released", "keys": sorted(set(keys))})
