"""What an import would do: each row resolved and given its outcome, changing nothing.

Names are resolved with a few batched reads whatever the file's size (accounts by email,
the courses named, their modules, the enrollments and records already there), so a
100,000-row file is planned in seconds. Each row is then one of:

- ``create``: a new enrollment (and account, when allowed), or a new completion;
- ``update``: a module the learner started but has not completed becomes completed;
- ``unchanged``: already enrolled, or already completed (an import never rewrites history);
- ``error``: with a sentence saying what to fix (unknown email or module, a course that is
  not the importer's, a bad or future date, a repeated row...).
"""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from flask_babel import gettext
from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy import select, tuple_

from ..auth.models import User
from ..catalog.models import Course, Module
from ..catalog.service import can_edit
from ..db_types import utcnow
from ..enrollments.models import Enrollment
from ..extensions import db
from ..progress.models import Progress
from ..schemas import id_in
from .reading import Line

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
BATCH = 1000
_EMAIL = TypeAdapter(EmailStr)


def _valid_email(email: str) -> bool:
    """The same check as registration's (``EmailStr``)."""
    try:
        _EMAIL.validate_python(email)
    except ValidationError:
        return False
    return len(email) <= 254

@dataclass
class Row:
    line: int
    status: str = ERROR
    message: str | None = None
    email: str = ""
    name: str = ""
    user_id: int | None = None  # None: an account the import creates
    course_id: int | None = None
    module_id: int | None = None
    enrollment_id: int | None = None  # None: an enrollment the import creates
    completed_at: datetime | None = None


@dataclass
class Plan:
    rows: list[Row]
    create_accounts: bool
    courses: dict[int, Course] = field(default_factory=dict)
    module_titles: dict[int, str] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def errors(self) -> list[Row]:
        return [row for row in self.rows if row.status == ERROR]

    @property
    def new_accounts(self) -> int:
        return len({row.email for row in self.rows if row.status != ERROR and row.user_id is None})

    def summary(self) -> dict:
        return {"rows": len(self.rows), "created": self.count(CREATE), "updated": self.count(UPDATE),
                "unchanged": self.count(UNCHANGED),
                "errors": [{"line": row.line, "message": row.message} for row in self.errors]}


def batches(values: Iterable) -> Iterator[list]:
    """``values`` in lists of ``BATCH``: one statement each (bounded parameters)."""
    values = list(values)
    for start in range(0, len(values), BATCH):
        yield values[start:start + BATCH]


def _parse_time(text: str, now: datetime) -> datetime:
    """A date (midnight UTC) or a date and time (UTC unless it gives its offset)."""
    try:
        moment = (datetime.combine(date.fromisoformat(text), time(), UTC) if len(text) == 10
                  else datetime.fromisoformat(text.replace("Z", "+00:00")))
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        if moment.year < 1970:
            raise ValueError
    except (ValueError, OverflowError):
        raise ValueError(gettext("“%(value)s” is not a date: write 2026-03-01 or 2026-03-01T14:30:00Z.",
                                 value=text)) from None
    if moment > now:
        raise ValueError(gettext("%(value)s is in the future.", value=text))
    return moment


def _courses(actor, lines: list[Line]) -> tuple[dict[int, Course], dict[str, list[Course]]]:
    """The courses the lines name that the actor may import into: by id, and by title."""
    named = {line.course: id_in(line.course) for line in lines if line.course}
    ids = {course_id for course_id in named.values() if course_id is not None}
    titles = {course for course, course_id in named.items() if course_id is None}
    found: list[Course] = []
    for id_batch in batches(ids):
        found += db.session.scalars(select(Course).where(Course.id.in_(id_batch)))
    for title_batch in batches(titles):
        found += db.session.scalars(select(Course).where(Course.title.in_(title_batch)))
    found = [course for course in found if can_edit(actor, course)]
    by_title: dict[str, list[Course]] = {}
    for course in {course.id: course for course in found}.values():
        by_title.setdefault(course.title, []).append(course)
    return {course.id: course for course in found}, by_title


def plan_import(actor, lines: list[Line], create_accounts: bool) -> Plan:
    """Each line's outcome, from a fixed number of batched reads per 1,000 lines."""
    now = utcnow()
    rows = [Row(line.number, email=line.email.strip().lower(), name=line.name) for line in lines]
    courses, by_title = _courses(actor, lines)
    plan = Plan(rows, create_accounts, courses)

    modules: dict[int, dict[str, list[int]]] = {}  # course -> id or title -> module ids
    for course_batch in batches(courses):
        for module_id, course_id, title in db.session.execute(
                select(Module.id, Module.course_id, Module.title).where(Module.course_id.in_(course_batch))):
            plan.module_titles[module_id] = title
            named = modules.setdefault(course_id, {})
            named.setdefault(str(module_id), []).append(module_id)
            named.setdefault(title.strip().casefold(), []).append(module_id)

    emails = {email for email in {row.email for row in rows} if _valid_email(email)}
    users: dict[str, tuple[int, str, bool]] = {}
    for email_batch in batches(emails):
        for user_id, email, role, active in db.session.execute(
                select(User.id, User.email, User.role, User.active).where(User.email.in_(email_batch))):
            users[email] = (user_id, role, active)

    seen: dict[tuple, int] = {}
    for row, line in zip(rows, lines, strict=True):
        row.message = _resolve(row, line, courses, by_title, modules, users, emails, create_accounts, now,
                               admin=actor.role == "admin")
        if row.message is None:
            key = (row.email, row.course_id, row.module_id)
            if key in seen:
                row.message = gettext("Repeats line %(line)s.", line=seen[key])
            else:
                seen[key] = row.line
        row.status = ERROR if row.message else CREATE

    _match_existing(rows)
    return plan


def _resolve(row: Row, line: Line, courses, by_title, modules, users, emails: set[str], create_accounts: bool, now,
             admin: bool) -> str | None:
    """Fill the row's ids from the lookups; the problem with it, or None. Instructors learn
    only whether an email is a usable learner's account, not why another is not."""
    if not row.email or not line.course:
        return gettext("Give an email and a course.")
    if row.email not in emails:
        return gettext("“%(value)s” is not an email address.", value=line.email)
    account = users.get(row.email)
    if account is None:
        if not create_accounts:
            return (gettext("No account has this email (choose to create missing accounts to add it).") if admin
                    else gettext("No learner's account has this email."))
        if len(row.name) > 120:
            return gettext("The name is longer than 120 characters.")
    else:
        row.user_id, role, active = account
        if not admin and (role != "student" or not active):
            return gettext("No learner's account has this email.")
        if role != "student":
            return gettext("%(email)s is not a learner's account.", email=row.email)
        if not active:
            return gettext("%(email)s is disabled.", email=row.email)
    course_id = id_in(line.course)
    if course_id in courses:
        row.course_id = course_id
    else:
        named = by_title.get(line.course, [])
        if len(named) > 1:
            return gettext("Several courses are called “%(title)s”: give the course's id.", title=line.course)
        if not named:
            return gettext("No course “%(course)s” here that you can import into.", course=line.course)
        row.course_id = named[0].id
    if line.module:
        matches = modules.get(row.course_id, {}).get(line.module.strip().casefold(), [])
        if len(set(matches)) > 1:
            return gettext("Several modules of this course are called “%(title)s”: give the module's id.",
                           title=line.module)
        if not matches:
            return gettext("The course has no module “%(module)s”.", module=line.module)
        row.module_id = matches[0]
        try:
            row.completed_at = _parse_time(line.completed_at, now) if line.completed_at else now
        except ValueError as error:
            return str(error)
    elif line.completed_at:
        return gettext("A completion date needs its module.")
    return None


def enrollment_ids(pairs) -> dict[tuple[int, int], int]:
    """The ids of the enrollments there are among (user id, course id) ``pairs``."""
    found: dict[tuple[int, int], int] = {}
    for pair_batch in batches(pairs):
        for enrollment_id, user_id, course_id in db.session.execute(
                select(Enrollment.id, Enrollment.user_id, Enrollment.course_id)
                .where(tuple_(Enrollment.user_id, Enrollment.course_id).in_(pair_batch))):
            found[(user_id, course_id)] = enrollment_id
    return found


def _match_existing(rows: list[Row]) -> None:
    """Enrollments and records already there: ``unchanged`` rows, ``update`` rows, their ids."""
    valid = [row for row in rows if row.status != ERROR and row.user_id is not None]
    enrollments = enrollment_ids({(row.user_id, row.course_id) for row in valid})
    for row in valid:
        row.enrollment_id = enrollments.get((row.user_id, row.course_id))
    records: dict[tuple[int, int], bool] = {}
    wanted = {(row.enrollment_id, row.module_id) for row in valid if row.enrollment_id and row.module_id}
    for key_batch in batches(wanted):
        for enrollment_id, module_id, completed in db.session.execute(
                select(Progress.enrollment_id, Progress.module_id, Progress.completed)
                .where(tuple_(Progress.enrollment_id, Progress.module_id).in_(key_batch))):
            records[(enrollment_id, module_id)] = completed
    for row in valid:
        if row.module_id is None:
            row.status = UNCHANGED if row.enrollment_id else CREATE
        elif row.enrollment_id and (row.enrollment_id, row.module_id) in records:
            row.status = UNCHANGED if records[(row.enrollment_id, row.module_id)] else UPDATE

