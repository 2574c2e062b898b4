"""The demo platform ``flask seed-demo`` builds: John's reference example plus a believable crowd.

Idempotent by natural keys (emails, course titles, (user, course) pairs): a second run
finds everything and writes nothing. Randomness is seeded, so every fresh database gets
the same people stalling at the same modules.

Every content plays with no network: the media shipped beside this module (``media/``: a
few seconds of video, a one-page PDF, a raster thumbnail per course) are put into the
configured storage like uploads, and each module's notes are a Markdown lesson taken from
``lessons/<course>.md`` (one ``## Module title`` section per module).
"""
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from werkzeug.security import check_password_hash

from ..achievements.service import award_from_history
from ..auth.models import User
from ..auth.service import hash_password
from ..catalog.media import store_file
from ..catalog.models import Category, Content, Course, Difficulty, Module
from ..catalog.service import recount_module_counts
from ..db_types import utcnow
from ..enrollments.models import Enrollment
from ..enrollments.service import recount_enrollment_counts
from ..extensions import db
from ..progress.counters import recount_enrollments, recount_module_stats
from ..progress.models import Progress, ProgressEvent
from .learner import Step, timeline, walk

DEFAULT_PASSWORD = "elearn-demo"
MEDIA = Path(__file__).with_name("media")
LESSONS = Path(__file__).with_name("lessons")

CATEGORIES = ["Web Development", "Backend", "Data Science", "Design"]
DIFFICULTIES = [("Beginner", 1), ("Intermediate", 2), ("Advanced", 3)]


@dataclass(frozen=True)
class CourseSpec:
    title: str
    instructor: str
    category: str
    difficulty: str
    price_cents: int
    modules: tuple[str, ...]
    description: str
    published: bool = True
    stall_at: int = -1  # module index where many learners give up


COURSES = [
    CourseSpec(
        "JavaScript Fundamentals", "ada@example.com", "Web Development", "Beginner", 4900,
        ("Introduction", "Variables", "Functions", "Objects", "Arrays", "Loops", "Events",
         "DOM", "Async", "Projects"),
        "The language of the web from first principles: values, functions, objects and the "
        "event loop, ending with a project you can show.", stall_at=8,
    ),
    CourseSpec(
        "React Basics", "ada@example.com", "Web Development", "Intermediate", 5900,
        ("Why React", "JSX", "Components", "Props", "State", "Hooks", "Context", "Routing"),
        "Build interfaces from components: JSX, props and state, hooks, context and routing.",
        stall_at=5,
    ),
    CourseSpec(
        "Node.js Backend", "ada@example.com", "Backend", "Intermediate", 6900,
        ("Node Basics", "Modules and npm", "File System", "Express", "REST APIs", "Databases",
         "Deployment"),
        "Servers in JavaScript: modules, the file system, Express, REST APIs, databases and "
        "shipping to production.", stall_at=5,
    ),
    CourseSpec(
        "Python for Data Analysis", "grace@example.com", "Data Science", "Beginner", 7900,
        ("Setup", "Python Refresher", "NumPy", "pandas Series", "DataFrames", "Cleaning Data",
         "Grouping", "Joining", "Time Series", "Plotting", "Statistics", "Capstone"),
        "From raw CSV files to answers: NumPy, pandas, cleaning, grouping, time series and "
        "charts.", stall_at=6,
    ),
    CourseSpec(
        "UX Design Basics", "grace@example.com", "Design", "Beginner", 0,
        ("What UX Is", "User Research", "Personas", "Wireframes", "Prototyping", "Usability Testing"),
        "A free introduction to designing for people: research, personas, wireframes and tests.",
        stall_at=3,
    ),
    CourseSpec(
        "TypeScript in Depth", "ada@example.com", "Web Development", "Advanced", 8900,
        ("Types", "Generics", "Narrowing", "Declaration Files", "Tooling"),
        "Types for large JavaScript code bases. In preparation.", published=False,
    ),
]

# john@example.com: the reference example (18 of 25 modules, 72%), exactly.
JOHN_COMPLETED = {"JavaScript Fundamentals": 7, "React Basics": 6, "Node.js Backend": 5}

STAFF = [
    ("admin@example.com", "Alex Admin", "admin", "UTC"),
    ("ada@example.com", "Ada Lovelace", "instructor", "Europe/London"),
    ("grace@example.com", "Grace Hopper", "instructor", "America/New_York"),
    ("john@example.com", "John Doe", "student", "America/Chicago"),
]

FIRST = ["Maria", "Wei", "Aisha", "Lucas", "Priya", "Tom", "Sofia", "Kenji", "Amara", "Noah",
         "Elena", "Omar", "Hannah", "Diego", "Yuki", "Fatima", "Liam", "Chloe", "Ivan", "Zara"]
LAST = ["Garcia", "Chen", "Khan", "Silva", "Patel", "Muller", "Rossi", "Tanaka", "Okafor", "Smith"]
TIMEZONES = ["UTC", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo",
             "Asia/Kolkata", "Australia/Sydney", "Africa/Lagos"]
OTHER_STUDENTS = 60


class _Passwords:
    """Hash the demo password once; keep a stored hash when it already matches."""

    def __init__(self, password: str):
        self.password = password
        self.fresh_hash = hash_password(password)
        self._checked: dict[str, bool] = {}

    def apply(self, user: User) -> None:
        current = user.password_hash
        if current:
            if current not in self._checked:
                self._checked[current] = check_password_hash(current, self.password)
            if self._checked[current]:
                return
        user.password_hash = self.fresh_hash


def _get_or_add(model, defaults: dict | None = None, **keys):
    row = db.session.scalar(select(model).filter_by(**keys))
    if row is None:
        row = model(**keys, **(defaults or {}))
        db.session.add(row)
        db.session.flush()
    return row


def _ensure_user(email, name, role, tz, passwords: _Passwords, created_at: datetime) -> User:
    user = _get_or_add(User, dict(name=name, role=role, timezone=tz, created_at=created_at,
                                  password_hash=""), email=email)
    passwords.apply(user)
    return user


@dataclass(frozen=True)
class StoredFile:
    key: str
    kind: str
    media_type: str
    size: int

    def content(self, module: Module, title: str, position: int) -> Content:
        return Content(module_id=module.id, title=title, type=self.kind, url=None, storage_key=self.key,
                       media_type=self.media_type, size_bytes=self.size, position=position)


def store_media(name: str, resized: bool = False) -> StoredFile:
    """One of the shipped media, put into the storage (a no-op when it is there already)."""
    data = (MEDIA / name).read_bytes()
    checked, key = store_file(data, Path(name).name, ("video", "pdf", "image"), resized=resized)
    return StoredFile(key, checked.kind, checked.media_type, len(data))


def _lessons(slug: str) -> dict[str, str]:
    """A course's notes: the sections of ``lessons/<slug>.md``, by module title."""
    parts = re.split(r"^## (.+)$", (LESSONS / f"{slug}.md").read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {title.strip(): body.strip() for title, body in zip(parts[1::2], parts[2::2], strict=True)}


def _ensure_course(spec: CourseSpec, instructors: dict, categories: dict, difficulties: dict,
                   created_at: datetime, media: dict[str, StoredFile]) -> tuple[Course, list[Module]]:
    course = db.session.scalar(select(Course).where(Course.title == spec.title))
    if course is None:
        slug = spec.title.lower().replace(" ", "-").replace(".", "")
        course = Course(
            title=spec.title, description=spec.description, price_cents=spec.price_cents,
            instructor_id=instructors[spec.instructor].id,
            category_id=categories[spec.category].id, difficulty_id=difficulties[spec.difficulty].id,
            thumbnail_key=store_media(f"thumbnails/{slug}.jpg", resized=True).key, published=spec.published,
            created_at=created_at,
        )
        db.session.add(course)
        db.session.flush()
        lessons = _lessons(slug)
        for position, title in enumerate(spec.modules, start=1):
            module = Module(course_id=course.id, title=title, position=position,
                            description=f"{title}: part {position} of {spec.title}.")
            db.session.add(module)
            db.session.flush()
            db.session.add_all([
                media["video"].content(module, f"{title} (video)", 1),
                Content(module_id=module.id, title=f"{title} notes", type="text", body=lessons[title], position=2),
            ])
            if position == 1:
                db.session.add(media["guide"].content(module, "Study guide", 3))
        db.session.flush()
        recount_module_counts([course.id])
    modules = list(db.session.scalars(
        select(Module).where(Module.course_id == course.id).order_by(Module.position)))
    return course, modules


def _record(enrollment: Enrollment, module: Module, started: datetime, completed: datetime | None):
    db.session.add(Progress(
        enrollment_id=enrollment.id, module_id=module.id, completed=completed is not None,
        started_at=started, completed_at=completed, updated_at=completed or started,
        completion_seconds=round((completed - started).total_seconds()) if completed else None,
    ))
    events = [("started", started)] + ([("completed", completed)] if completed else [])
    db.session.add_all(
        ProgressEvent(user_id=enrollment.user_id, course_id=enrollment.course_id,
                      enrollment_id=enrollment.id, module_id=module.id, kind=kind, occurred_at=at)
        for kind, at in events
    )


def _enroll(user: User, course: Course, enrolled_at: datetime) -> Enrollment | None:
    """A new enrollment, or None when this user is already enrolled (keep their history)."""
    if db.session.scalar(select(Enrollment.id).filter_by(user_id=user.id, course_id=course.id)):
        return None
    enrollment = Enrollment(user_id=user.id, course_id=course.id, enrolled_at=enrolled_at,
                            price_paid_cents=course.price_cents)
    db.session.add(enrollment)
    db.session.flush()
    return enrollment


def _record_steps(enrollment: Enrollment, modules: list[Module], steps: list[Step]) -> None:
    for step in steps:
        _record(enrollment, modules[step.module], _moment(step.started),
                _moment(step.completed) if step.completed is not None else None)


def _moment(unix_seconds: int) -> datetime:
    return datetime.fromtimestamp(unix_seconds, UTC)


def seed_demo(password: str = DEFAULT_PASSWORD) -> list[tuple[str, str]]:
    """Create or complete the demo platform; return the demo logins as (email, role)."""
    now = utcnow().replace(microsecond=0)
    passwords = _Passwords(password)
    long_ago = now - timedelta(weeks=16)

    categories = {name: _get_or_add(Category, name=name) for name in CATEGORIES}
    difficulties = {name: _get_or_add(Difficulty, dict(rank=rank), name=name)
                    for name, rank in DIFFICULTIES}
    people = {email: _ensure_user(email, name, role, tz, passwords, long_ago)
              for email, name, role, tz in STAFF}
    media = {"video": store_media("lesson.mp4"), "guide": store_media("study-guide.pdf")}
    courses = {spec.title: _ensure_course(spec, people, categories, difficulties, long_ago, media)
               for spec in COURSES}

    # John: the reference numbers, spread over the last five weeks, last step two days ago.
    john = people["john@example.com"]
    for offset, (title, done) in enumerate(JOHN_COMPLETED.items()):
        course, modules = courses[title]
        enrolled_at = now - timedelta(weeks=6 - offset, hours=3)
        enrollment = _enroll(john, course, enrolled_at)
        if enrollment is not None:
            start, end = enrolled_at + timedelta(hours=2), now - timedelta(days=2, hours=offset)
            _record_steps(enrollment, modules, timeline(
                random.Random(f"john-{title}"), len(modules), done, int(start.timestamp()), int(end.timestamp()),
                int(end.timestamp()), leave_started=(offset == 0)))

    published = [spec for spec in COURSES if spec.published]
    for k in range(1, OTHER_STUDENTS + 1):
        rng = random.Random(k)  # one stream per student: reruns draw the same story
        name = f"{FIRST[(k - 1) % len(FIRST)]} {LAST[(k * 7) % len(LAST)]}"
        signed_up = now - timedelta(days=rng.uniform(1, 84))
        student = _ensure_user(f"student{k:02d}@example.com", name, "student",
                               TIMEZONES[k % len(TIMEZONES)], passwords, signed_up)
        diligence = rng.random()  # how far this person tends to get
        for spec in rng.sample(published, rng.choice([1, 1, 2, 2, 3, 4])):
            course, modules = courses[spec.title]
            enrolled_at = student.created_at + timedelta(hours=rng.uniform(0, 72))
            if enrolled_at >= now:
                enrolled_at = now - timedelta(hours=1)
            enrollment = _enroll(student, course, enrolled_at)
            if enrollment is None:
                continue
            _record_steps(enrollment, modules, walk(
                rng, len(modules), int(enrolled_at.timestamp()), int(now.timestamp()),
                keep_going=0.55 + 0.45 * diligence, hard_module=spec.stall_at, hard_factor=0.45,
                still_active=0.5, leave_started=0.6))

    db.session.flush()
    recount_enrollments()
    recount_module_stats()
    recount_enrollment_counts()
    award_from_history(list(db.session.scalars(select(User.id).where(User.role == "student"))))
    return [(email, role) for email, _name, role, _tz in STAFF] + [
        ("student01@example.com … student60@example.com", "student")]
