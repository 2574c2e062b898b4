"""``flask generate``: a deterministic synthetic platform, big enough to measure against.

One call fills the configured database with an admin, instructors, N students, M courses
of 5-40 modules, enrollments and the progress and activity of every learner over the
last six months:

- Course popularity is heavy tailed: sizes run from a handful of learners to about a
  tenth of all students (some 20,000 enrollments for 200,000 students).
- Learners work through a course's modules in order and drop out on the way, most at a
  per-course "hard" module, so completions thin out module by module; some finish, and
  many leave the next module started but not completed.
- Every record has its "started" event and, when completed, its "completed" event.
- Learners hold the badges their history earned (first step, course finisher, each
  course's own), dated when earned; none is announced or forwarded.
- The counters (``Course.module_count``, the enrollments' ``completed_count``,
  ``completed_at`` and ``last_activity_at``) are computed while generating and written
  with the rows; they equal what ``progress.counters`` would rebuild.

Deterministic: one ``random.Random`` stream per concern, seeded from ``seed``, and every
time an offset from ``now``. The same seed and ``now`` on the same starting database give
the same rows; the command takes ``now`` as the start of the current hour.

On an existing database: students are numbered after the highest ``student<k>@example.com``
already there (the demo's ``student01`` .. ``student60``), so generated emails are exactly
``student<k>@example.com`` and never collide; a database that already holds generated data
(its admin ``generated-admin@example.com`` or an ``instructor<k>@example.com`` exists) is
refused with a Conflict and nothing is written.

Rows are bulk loaded (elearn/synthetic/bulk.py) in the caller's transaction; like a
service, this flushes and the caller commits once.
"""
import functools
import itertools
import math
import random
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from statistics import NormalDist

from sqlalchemy import select

from ..achievements.service import award_for_records
from ..auth.models import User
from ..auth.service import hash_password
from ..catalog.models import Category, Difficulty
from ..db_types import utcnow
from ..enrollments.service import recount_enrollment_counts
from ..errors import Conflict
from ..extensions import db
from ..progress.counters import is_complete, recount_module_stats
from .bulk import CHUNK_ROWS, BulkLoader, bulk_loader
from .demo import CATEGORIES, DEFAULT_PASSWORD, DIFFICULTIES, FIRST, LAST, TIMEZONES, store_media
from .learner import DAY, HOUR, walk

GENERATED_ADMIN = "generated-admin@example.com"
STUDENT_EMAIL = re.compile(r"student(\d+)@example\.com")

#: Every table the generator writes, parents before children.
TABLES = ("users", "courses", "modules", "contents", "enrollments", "progress", "progress_events", "achievements")

#: Enrollments are spread over this window before ``now``; sign-ups start a bit earlier.
ACTIVITY_WINDOW = 182 * DAY
SIGN_UP_WINDOW = 210 * DAY
#: The newest enrollment is this old, so learners always had a moment to start.
LATEST_ENROLLMENT = 5 * 60

#: Subjects by demo category; a course is "<subject> <format>".
SUBJECTS = {
    "Web Development": ("JavaScript", "TypeScript", "React", "Vue", "CSS Layout", "HTML",
                        "Web Accessibility", "Svelte", "Web Performance"),
    "Backend": ("Node.js", "Go", "Rust", "PostgreSQL", "Django", "Flask", "Docker",
                "Kubernetes", "REST APIs", "GraphQL"),
    "Data Science": ("Python", "pandas", "Statistics", "Machine Learning", "SQL Analytics",
                     "Data Visualisation", "Deep Learning", "R"),
    "Design": ("UX Research", "Typography", "Figma", "Design Systems", "Product Design",
               "Interaction Design"),
}
FORMATS = ("Fundamentals", "Essentials", "in Practice", "Deep Dive", "for Beginners",
           "Masterclass", "Bootcamp", "Projects", "Crash Course", "from Scratch")
MODULE_TOPICS = ("Setup", "Core Concepts", "First Steps", "Data", "Functions", "Structure",
                 "State", "Testing", "Debugging", "Errors", "Performance", "Security",
                 "Patterns", "Tooling", "Case Study", "Integration", "Automation",
                 "Deployment", "Scaling", "Review", "Workshop", "Best Practices")
PRICES = (0, 1900, 2900, 3900, 4900, 5900, 7900, 9900, 12900)

MIN_MODULES, MAX_MODULES = 5, 40
#: One course in this many is an unpublished draft (and has no learners).
DRAFT_EVERY = 20
#: How many courses a student takes: 0 (signed up, never enrolled) to 4, as cumulative
#: weights. About one course per student on average.
COURSES_PER_STUDENT = (0, 1, 2, 3, 4)
COURSES_PER_STUDENT_CUMULATIVE = tuple(itertools.accumulate((35, 45, 12, 5, 3)))
#: Spread of the log-normal course popularity: the most popular of 200 courses gets about
#: a tenth of all enrollments, the least popular a handful.
POPULARITY_SIGMA = 1.55
#: Share of users with a time zone other than UTC.
OTHER_TIMEZONE_SHARE = 0.3

COLUMNS = {
    "users": ("id", "email", "name", "password_hash", "role", "active", "timezone", "created_at"),
    "courses": ("id", "title", "description", "category_id", "difficulty_id", "instructor_id",
                "price_cents", "thumbnail_url", "published", "module_count", "created_at"),
    "modules": ("id", "course_id", "title", "description", "position"),
    "contents": ("id", "module_id", "title", "type", "url", "body", "storage_key", "media_type", "size_bytes",
                 "position"),
    "enrollments": ("id", "user_id", "course_id", "enrolled_at", "price_paid_cents",
                    "completed_count", "completed_at", "last_activity_at", "furthest_position"),
    "progress": ("id", "enrollment_id", "module_id", "completed", "started_at", "completed_at",
                 "updated_at", "completion_seconds"),
    "progress_events": ("id", "user_id", "course_id", "enrollment_id", "module_id", "kind",
                        "occurred_at"),
}


@dataclass(frozen=True)
class GeneratedPlatform:
    """What one run wrote."""

    seed: int
    students: int
    instructors: int
    first_student: int  # k of the first student<k>@example.com
    courses: int
    modules: int
    enrollments: int
    progress: int
    events: int
    badges: int

    @property
    def users(self) -> int:
        return self.students + self.instructors + 1  # and the admin

    def student_email(self, k: int) -> str:
        return f"student{k}@example.com"

    def summary_lines(self, seconds: float, password: str) -> list[str]:
        last = self.first_student + self.students - 1
        students = (f"{self.student_email(self.first_student)} … {self.student_email(last)}"
                    if self.students else "none")
        return [
            f"Generated in {seconds:.1f} s (seed {self.seed}):",
            f"  users             {self.users:>10,}  ({self.students:,} students, "
            f"{self.instructors:,} instructors, 1 admin)",
            f"  courses           {self.courses:>10,}  ({self.modules:,} modules)",
            f"  enrollments       {self.enrollments:>10,}",
            f"  progress records  {self.progress:>10,}",
            f"  events            {self.events:>10,}",
            f"  badges            {self.badges:>10,}",
            f"Logins: {students}; instructor1@example.com … instructor{self.instructors}@example.com; "
            f"{GENERATED_ADMIN}",
            f"Password for every generated account: {password}",
        ]


@dataclass(eq=False)
class _CourseShape:
    """What learners need to know about a generated course."""

    id: int
    price_cents: int
    module_ids: list[int]
    hard_index: int  # the module where many learners give up
    dropout: float  # scales every learner's chance of giving up at a module

    @functools.cached_property
    def positions(self) -> dict[int, int]:
        """Each module's position (1-based; ``module_ids`` is in course order)."""
        return {module_id: index for index, module_id in enumerate(self.module_ids, 1)}


def generate_platform(students: int, courses: int, *, seed: int = 1, password: str = DEFAULT_PASSWORD,
                      instructors: int | None = None, now: datetime | None = None,
                      echo=lambda line: None) -> GeneratedPlatform:
    """Write the synthetic platform into the session's transaction (flushes, never commits).

    ``instructors`` defaults to one per ten courses; every time is an offset before
    ``now`` (default: this moment); ``echo`` receives progress lines. Raises Conflict,
    before writing anything, when the database already has generated data.
    """
    instructors = instructors or max(1, courses // 10)
    loader = bulk_loader(db.session.connection())
    loader.lock(TABLES)
    _refuse_generated_data(instructors)
    generator = _Generator(loader, seed, now or utcnow(), _first_free_student_number(), echo)
    generator.people(students, instructors, hash_password(password))
    generator.catalog(courses)
    generator.learners()
    echo("Counting each course's enrollments and each module's records ...")
    recount_enrollment_counts()
    recount_module_stats()
    # Learners of a real platform hold the badges their history earned: without them, the
    # next completion of almost every generated learner would award "first step".
    echo("Awarding the badges the history earned ...")
    loader.inserted("achievements", len(award_for_records([course.id for course in generator.courses], forward=False)))
    echo("Advancing id sequences and refreshing statistics ...")
    loader.finish()
    written = loader.rows_written
    return GeneratedPlatform(
        seed=seed, students=students, instructors=instructors,
        first_student=generator.first_student, courses=written["courses"],
        modules=written["modules"], enrollments=written.get("enrollments", 0),
        progress=written.get("progress", 0), events=written.get("progress_events", 0),
        badges=written.get("achievements", 0),
    )


def _refuse_generated_data(instructors: int) -> None:
    staff = [GENERATED_ADMIN] + [f"instructor{k}@example.com" for k in range(1, instructors + 1)]
    taken = db.session.scalars(select(User.email).where(User.email.in_(staff)).order_by(User.id)).first()
    if taken is not None:
        raise Conflict(
            f"This database already has generated data ({taken} exists). "
            "Generate into a fresh database (flask db upgrade on an empty one).",
            details={"email": taken},
        )


def _first_free_student_number() -> int:
    emails = db.session.scalars(select(User.email).where(User.email.like("student%@example.com")))
    return max((int(m.group(1)) for email in emails if (m := STUDENT_EMAIL.fullmatch(email))),
               default=0) + 1


def _lookup_ids(model, names_and_defaults: list[tuple[str, dict]]) -> dict[str, int]:
    """Ids of the demo's categories or difficulties, adding the missing ones."""
    found = {row.name: row for row in db.session.scalars(select(model))}
    for name, defaults in names_and_defaults:
        if name not in found:
            found[name] = model(name=name, **defaults)
            db.session.add(found[name])
    db.session.flush()
    return {name: found[name].id for name, _ in names_and_defaults}


class _Generator:
    """The three phases (people, catalog, learners) and the state they share."""

    def __init__(self, loader: BulkLoader, seed: int, now: datetime, first_student: int, echo):
        self.loader = loader
        self.seed = seed
        self.now = int(now.timestamp())
        self.echo = echo
        self.started = time.perf_counter()
        self.first_student = first_student
        self.student_ids: list[int] = []
        self.student_sign_ups: list[int] = []
        self.student_diligence: list[float] = []
        self.instructor_ids: list[int] = []
        self.courses: list[_CourseShape] = []
        # The learners phase's rows waiting to be written, a chunk at a time.
        self.enrollment_rows: list[tuple] = []
        self.progress_rows: list[tuple] = []
        self.event_rows: list[tuple] = []

    def rng(self, concern: str) -> random.Random:
        # A stream per concern, so that changing how one is drawn leaves the others be.
        return random.Random(f"elearn-generate:{self.seed}:{concern}")

    def say(self, line: str) -> None:
        self.echo(f"{line} ({time.perf_counter() - self.started:.1f} s)")

    # --- people ------------------------------------------------------------------------

    def people(self, students: int, instructors: int, password_hash: str) -> None:
        rng = self.rng("people")
        ts = self.loader.timestamp
        next_id = self.loader.next_id("users")
        staff_since = ts(self.now - SIGN_UP_WINDOW - 30 * DAY)

        def pick_timezone() -> str:
            return rng.choice(TIMEZONES) if rng.random() < OTHER_TIMEZONE_SHARE else "UTC"

        rows = [(next_id, GENERATED_ADMIN, "Generated Admin", password_hash, "admin", True, "UTC",
                 staff_since)]
        for k in range(1, instructors + 1):
            user_id = next_id + len(rows)
            rows.append((user_id, f"instructor{k}@example.com", f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                         password_hash, "instructor", True, pick_timezone(), staff_since))
            self.instructor_ids.append(user_id)
        for k in range(self.first_student, self.first_student + students):
            user_id = next_id + len(rows)
            signed_up = self.now - HOUR - int(rng.random() * (SIGN_UP_WINDOW - HOUR))
            rows.append((user_id, f"student{k}@example.com", f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                         password_hash, "student", True, pick_timezone(), ts(signed_up)))
            self.student_ids.append(user_id)
            self.student_sign_ups.append(signed_up)
            self.student_diligence.append(rng.random())
        self.loader.write("users", COLUMNS["users"], rows)
        self.say(f"users: {len(rows):,}")

    # --- catalog -----------------------------------------------------------------------

    def catalog(self, count: int) -> None:
        rng = self.rng("catalog")
        ts = self.loader.timestamp
        categories = _lookup_ids(Category, [(name, {}) for name in CATEGORIES])
        difficulties = _lookup_ids(Difficulty, [(name, {"rank": rank}) for name, rank in DIFFICULTIES])
        course_id = self.loader.next_id("courses")
        module_id = self.loader.next_id("modules")
        content_id = self.loader.next_id("contents")
        titles = Counter()
        course_rows, module_rows, content_rows = [], [], []
        clip = store_media("lesson.mp4")  # every video plays the demo's clip, stored once
        for index in range(count):
            category = rng.choice(CATEGORIES)
            subject = rng.choice(SUBJECTS[category])
            title = f"{subject} {rng.choice(FORMATS)}"
            titles[title] += 1
            if titles[title] > 1:
                title = f"{title} {titles[title]}"
            difficulty, _rank = rng.choice(DIFFICULTIES)
            # Bunched around a dozen modules, a few long ones.
            module_count = min(MAX_MODULES, int(rng.triangular(MIN_MODULES, MAX_MODULES + 1, 10)))
            price = rng.choice(PRICES)
            published = index % DRAFT_EVERY != DRAFT_EVERY - 1
            created = self.now - SIGN_UP_WINDOW - int(rng.uniform(0, 30 * DAY))
            course_rows.append((
                course_id, title,
                f"{title}: {module_count} modules of {subject} for {difficulty.lower()} learners.",
                categories[category], difficulties[difficulty], rng.choice(self.instructor_ids),
                price, None, published, module_count, ts(created),
            ))
            module_ids = []
            for position, topic in enumerate(_module_titles(rng, module_count), start=1):
                module_rows.append((module_id, course_id, topic,
                                    f"{topic}: part {position} of {title}.", position))
                content_rows.append((content_id, module_id, f"{topic} (video)", "video", None, None,
                                     clip.key, clip.media_type, clip.size, 1))
                content_rows.append((content_id + 1, module_id, f"{topic} notes", "text", None,
                                     f"Part {position} of **{title}**: {topic}.\n\n- Watch the video\n"
                                     "- Note one question to bring to the next module\n", None, None, None, 2))
                module_ids.append(module_id)
                module_id += 1
                content_id += 2
            if published:
                self.courses.append(_CourseShape(
                    id=course_id, price_cents=price, module_ids=module_ids,
                    hard_index=rng.randint(module_count // 4 + 1, module_count - 2),
                    dropout=rng.uniform(0.6, 1.4),
                ))
            course_id += 1
        for table, rows in (("courses", course_rows), ("modules", module_rows), ("contents", content_rows)):
            self.loader.write(table, COLUMNS[table], rows)
        self.say(f"catalog: {len(course_rows):,} courses, {len(module_rows):,} modules, "
                 f"{len(content_rows):,} contents")

    # --- learners ----------------------------------------------------------------------

    def learners(self) -> None:
        """Enrollments with their progress and events, written in chunks, parents first."""
        if not self.courses or not self.student_ids:
            return
        rng = self.rng("learners")
        popularity = list(itertools.accumulate(_popularity(rng, len(self.courses))))
        self.enrollment_ids = itertools.count(self.loader.next_id("enrollments"))
        self.progress_ids = itertools.count(self.loader.next_id("progress"))
        self.event_ids = itertools.count(self.loader.next_id("progress_events"))
        for user_id, signed_up, diligence in zip(self.student_ids, self.student_sign_ups,
                                                 self.student_diligence, strict=True):
            for course in _courses_taken(rng, self.courses, popularity):
                earliest = max(signed_up, self.now - ACTIVITY_WINDOW)
                enrolled = earliest + int(rng.random() * (self.now - LATEST_ENROLLMENT - earliest))
                self._enrollment(user_id, course, enrolled,
                                 _learner_records(rng, course, diligence, enrolled, self.now))
            if len(self.progress_rows) >= CHUNK_ROWS:
                self._write_learners()
        self._write_learners()

    def _enrollment(self, user_id: int, course: _CourseShape, enrolled: int,
                    records: list[tuple[int, int, int | None]]) -> None:
        """Rows of one enrollment, its progress records and their events, counters included."""
        ts = self.loader.timestamp
        enrollment_id = next(self.enrollment_ids)
        completed_count = furthest = 0
        last_activity = None
        for module_id, started, completed in records:
            started_at = ts(started)
            self.event_rows.append((next(self.event_ids), user_id, course.id, enrollment_id, module_id,
                                    "started", started_at))
            if completed is None:
                self.progress_rows.append((next(self.progress_ids), enrollment_id, module_id, False,
                                           started_at, None, started_at, None))
                last_activity = started_at
            else:
                completed_at = ts(completed)
                self.progress_rows.append((next(self.progress_ids), enrollment_id, module_id, True,
                                           started_at, completed_at, completed_at, completed - started))
                self.event_rows.append((next(self.event_ids), user_id, course.id, enrollment_id,
                                        module_id, "completed", completed_at))
                completed_count += 1
                furthest = max(furthest, course.positions[module_id])
                last_activity = completed_at
        # Records come in time order (a started module after the last completion), so the
        # last one's time is the latest activity, and the completion time when finished.
        finished = is_complete(completed_count, len(course.module_ids))
        self.enrollment_rows.append((enrollment_id, user_id, course.id, ts(enrolled), course.price_cents,
                                     completed_count, last_activity if finished else None, last_activity,
                                     furthest))

    def _write_learners(self) -> None:
        for table, rows in (("enrollments", self.enrollment_rows), ("progress", self.progress_rows),
                            ("progress_events", self.event_rows)):
            self.loader.write(table, COLUMNS[table], rows)
            rows.clear()
        written = self.loader.rows_written
        self.say(f"learners: {written['enrollments']:,} enrollments, {written['progress']:,} progress "
                 f"records, {written['progress_events']:,} events")


def _module_titles(rng: random.Random, count: int) -> list[str]:
    """An introduction, shuffled topics (numbered when a long course repeats them), a capstone."""
    topics = list(MODULE_TOPICS)
    rng.shuffle(topics)
    middle = [topics[i % len(topics)] + (f" {i // len(topics) + 1}" if i >= len(topics) else "")
              for i in range(count - 2)]
    return ["Introduction", *middle, "Capstone Project"]


def _courses_taken(rng: random.Random, courses: list[_CourseShape],
                   popularity_cumulative: list[float]) -> list[_CourseShape]:
    """The courses one student enrolls in: how many by COURSES_PER_STUDENT, which by popularity."""
    taking = rng.choices(COURSES_PER_STUDENT, cum_weights=COURSES_PER_STUDENT_CUMULATIVE)[0]
    chosen: list[_CourseShape] = []
    while len(chosen) < min(taking, len(courses)):
        course = rng.choices(courses, cum_weights=popularity_cumulative)[0]
        if course not in chosen:
            chosen.append(course)
    return chosen


def _popularity(rng: random.Random, count: int) -> list[float]:
    """Heavy-tailed weights: a log-normal at evenly spaced quantiles, shuffled over courses."""
    spread = NormalDist(0.0, POPULARITY_SIGMA)
    weights = [math.exp(spread.inv_cdf((rank + 0.5) / count)) for rank in range(count)]
    rng.shuffle(weights)
    return weights


def _learner_records(rng: random.Random, course: _CourseShape, diligence: float, enrolled: int,
                     now: int) -> list[tuple[int, int, int | None]]:
    """(module id, started, completed or None) of one learner in one course, in time order.

    The chance of going on to the next module runs from 72% for the least diligent
    learner to 99% for the most, nudged either way by how demanding the course is.
    """
    steps = walk(rng, len(course.module_ids), enrolled, now, keep_going=1 - (0.28 - 0.27 * diligence) * course.dropout,
                 hard_module=course.hard_index, still_active=0.45, leave_started=0.5)
    return [(course.module_ids[step.module], step.started, step.completed) for step in steps]
