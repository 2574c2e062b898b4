"""Importing a CSV file: plan it (``planning``), then apply the plan in one transaction.

Applying writes in bulk, a fixed number of statements per 1,000 rows: the accounts it
creates (each invited by email to choose a password), the enrollments, the completed
records (at the file's ``completed_at``), and one activity-log row per completion; then
the counters of every course it touched are recounted from the rows (``progress.counters``,
the same rebuild the maintained counters are checked against), and the badges those
records earn are awarded (``achievements.award_for_records``). While xAPI forwarding is on,
the new log rows and badges queue their statements too. Everything commits together, or
nothing does.

Who imports what: admins into any course, instructors into their own. Rows with errors
are skipped (the preview shows them first); the audit log records each applied import.
Imported enrollments paid nothing here (they are not revenue).

Open pages follow through one ``import.applied`` event naming the courses and (up to
``LIVE_USERS``) the learners touched.
"""
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import Integer, cast, delete, insert, update

from ..achievements.service import award_for_records
from ..audit import service as audit
from ..auth.invitations import invite
from ..auth.models import INVITED_PASSWORD, User
from ..catalog.models import Course
from ..db_types import utcnow
from ..enrollments.models import Enrollment
from ..errors import Forbidden, NotFound
from ..events import publish_after_commit
from ..extensions import db
from ..progress.counters import recount_enrollments, recount_module_stats
from ..progress.models import Progress, ProgressEvent, queue_statements
from ..sql import greatest, seconds_between, upsert
from .models import ImportUpload
from .planning import CREATE, UPDATE, Plan, Row, batches, enrollment_ids, plan_import
from .reading import read_lines

#: Above this many learners touched, the event names the courses only.
LIVE_USERS = 1000


def import_file(actor, raw: bytes, *, dry_run: bool, create_accounts: bool = False) -> Plan:
    """Plan ``raw`` (a CSV file) and, unless ``dry_run``, apply it; the plan either way."""
    _may_import(actor, create_accounts)
    plan = plan_import(actor, read_lines(raw), create_accounts)
    if not dry_run:
        apply(actor, plan)
    return plan


def _may_import(actor, create_accounts: bool) -> None:
    if actor.role not in ("admin", "instructor"):
        raise Forbidden(gettext("Only admins and instructors import."))
    if create_accounts and actor.role != "admin":
        raise Forbidden(gettext("Only admins create accounts in an import."))


def _create_accounts(actor, rows: list[Row], courses: dict[int, Course]) -> None:
    names = {}
    for row in rows:
        if row.user_id is None:
            names.setdefault(row.email, (row.name or row.email.split("@", 1)[0])[:120])
    if not names:
        return
    now, ids = utcnow(), {}
    for batch in batches(names.items()):
        for user_id, email in db.session.execute(insert(User).returning(User.id, User.email), [
                {"email": email, "name": name, "password_hash": INVITED_PASSWORD, "role": "student",
                 "timezone": "UTC", "active": True, "created_at": now} for email, name in batch]):
            ids[email] = user_id
    their_courses: dict[str, set[str]] = {}
    for row in rows:
        if row.user_id is None:
            row.user_id = ids[row.email]
            their_courses.setdefault(row.email, set()).add(courses[row.course_id].title)
    for email, user_id in ids.items():
        invite(user_id=user_id, email=email, name=names[email], inviter=actor.name,
               courses=sorted(their_courses[email]))
        publish_after_commit({"type": "user.created", "userId": user_id, "role": "student"})


def _create_enrollments(rows: list[Row]) -> None:
    """Enroll the learners not enrolled yet, from their earliest imported completion (or now)."""
    since: dict[tuple[int, int], datetime] = {}
    now = utcnow()
    for row in rows:
        if row.enrollment_id is None:
            pair = (row.user_id, row.course_id)
            since[pair] = min(since.get(pair, now), row.completed_at or now)
    pairs = sorted(since)
    ids: dict[tuple[int, int], int] = {}
    for batch in batches(pairs):
        stmt = (upsert(Enrollment).on_conflict_do_nothing(index_elements=["user_id", "course_id"])
                .returning(Enrollment.id, Enrollment.user_id, Enrollment.course_id))
        for enrollment_id, user_id, course_id in db.session.execute(stmt, [
                {"user_id": u, "course_id": c, "enrolled_at": since[(u, c)], "price_paid_cents": 0}
                for u, c in batch]):
            ids[(user_id, course_id)] = enrollment_id
    per_course: dict[int, int] = {}
    for _user_id, course_id in ids:
        per_course[course_id] = per_course.get(course_id, 0) + 1
    for course_id, added in per_course.items():
        db.session.execute(update(Course).where(Course.id == course_id)
                           .values(enrollment_count=Course.enrollment_count + added)
                           .execution_options(synchronize_session=False))
    ids.update(enrollment_ids([pair for pair in pairs if pair not in ids]))  # enrolled meanwhile by someone else
    for row in rows:
        row.enrollment_id = row.enrollment_id or ids[(row.user_id, row.course_id)]


def _complete(rows: list[Row]) -> None:
    """Completed records at the file's times (a started record becomes completed; a completed
    one is left as it is), and an activity-log row for each record that changed (not for one
    a concurrent import or click completed first)."""
    done = [row for row in rows if row.module_id is not None]
    stmt = upsert(Progress)
    new = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=["enrollment_id", "module_id"],
        set_={"completed": True, "completed_at": new.completed_at,
              "updated_at": greatest(Progress.updated_at, new.completed_at),
              "completion_seconds": greatest(cast(seconds_between(Progress.started_at, new.completed_at), Integer), 0)},
        where=Progress.completed.is_(False)).returning(Progress.enrollment_id, Progress.module_id)
    for batch in batches(done):
        changed = {tuple(key) for key in db.session.execute(stmt, [  # RETURNING: one INSERT per batch, not per row
            {"enrollment_id": row.enrollment_id, "module_id": row.module_id, "completed": True,
             "started_at": row.completed_at, "completed_at": row.completed_at, "updated_at": row.completed_at,
             "completion_seconds": 0, "active_seconds": 0} for row in batch])}
        batch = [row for row in batch if (row.enrollment_id, row.module_id) in changed]
        if not batch:
            continue
        logged = db.session.execute(insert(ProgressEvent).returning(ProgressEvent.id, ProgressEvent.user_id), [
            {"user_id": row.user_id, "course_id": row.course_id, "enrollment_id": row.enrollment_id,
             "module_id": row.module_id, "kind": "completed", "occurred_at": row.completed_at} for row in batch])
        queue_statements("event", [tuple(row) for row in logged])


def apply(actor, plan: Plan) -> None:
    """Write what ``plan`` says, in the caller's transaction (its rows with errors skipped)."""
    rows = [row for row in plan.rows if row.status in (CREATE, UPDATE)]
    course_ids = sorted({row.course_id for row in rows})
    if rows:
        _create_accounts(actor, rows, plan.courses)
        _create_enrollments(rows)
        _complete(rows)
        recount_enrollments(course_ids)
        recount_module_stats(course_ids)
        award_for_records(course_ids)
    summary = plan.summary()
    audit.record("import.applied", actor_id=actor.id, details={
        "rows": summary["rows"], "created": summary["created"], "updated": summary["updated"],
        "unchanged": summary["unchanged"], "errors": len(summary["errors"]), "accounts": plan.new_accounts,
        "courseIds": course_ids})
    users = sorted({row.user_id for row in rows})
    publish_after_commit({"type": "import.applied", "actorId": actor.id, "courseIds": course_ids,
                          "rows": summary["rows"], "created": summary["created"], "updated": summary["updated"],
                          **({"userIds": users} if len(users) <= LIVE_USERS else {})})


# --- the page's uploads: preview, then confirm -----------------------------------------------

UPLOAD_DAYS = 1


def keep_upload(actor, filename: str, raw: bytes, create_accounts: bool) -> ImportUpload:
    """Keep a file for its preview; a file elearn cannot read at all is refused now (422)."""
    _may_import(actor, create_accounts)
    read_lines(raw)
    upload = ImportUpload(owner_id=actor.id, filename=(filename or "import.csv")[:255], content=raw,
                          create_accounts=create_accounts)
    db.session.add(upload)
    db.session.flush()
    publish_after_commit({"type": "import.uploaded", "uploadId": upload.id})
    return upload


def upload(actor, upload_id: int) -> ImportUpload:
    """The actor's own upload, else 404 (another person's upload is not theirs to see)."""
    found = db.session.get(ImportUpload, upload_id)
    if found is None or found.owner_id != actor.id:
        raise NotFound(gettext("No such import: it was applied, discarded, or is more than a day old."))
    return found


def preview(actor, upload_id: int) -> Plan:
    found = upload(actor, upload_id)
    return plan_import(actor, read_lines(found.content), found.create_accounts)


def confirm(actor, upload_id: int) -> Plan:
    """Apply the upload as the database stands now, and forget the file. The upload is
    claimed first (deleted, in this transaction): a second confirmation of the same file,
    a double click say, waits for this one and then finds nothing to apply (404)."""
    claimed = db.session.execute(
        delete(ImportUpload).where(ImportUpload.id == upload_id, ImportUpload.owner_id == actor.id)
        .returning(ImportUpload.content, ImportUpload.create_accounts)).first()
    if claimed is None:
        raise NotFound(gettext("No such import: it was applied, discarded, or is more than a day old."))
    return import_file(actor, claimed.content, dry_run=False, create_accounts=claimed.create_accounts)


def discard(actor, upload_id: int) -> None:
    gone = db.session.execute(delete(ImportUpload).where(ImportUpload.id == upload_id,
                                                         ImportUpload.owner_id == actor.id))
    if not gone.rowcount:
        raise NotFound(gettext("No such import: it was applied, discarded, or is more than a day old."))
    publish_after_commit({"type": "import.discarded", "uploadId": upload_id})


def forget_old_uploads() -> None:
    """Job: uploads nobody confirmed within a day."""
    db.session.execute(delete(ImportUpload).where(ImportUpload.created_at < utcnow() - timedelta(days=UPLOAD_DAYS)))
