"""The jobs that reach people outside the page: email copies of messages, badge notes,
reminders and weekly digests.

Each writes an outbox email under a key naming what it is about (``mail.outbox``), and
adds the inbox note only when that email is new: a job that runs twice (a retry, two
schedulers) tells nobody twice. A kind the user turned off gets neither. Text is written
in the user's language, dates in their time zone, from ``templates/email/<name>.txt``
(first line the subject); every email ends with the link that turns its kind off.

- ``email_message_copies``: each ``message.received`` from a person, to the recipients
  who want copies;
- ``note_achievement``: each ``achievement.earned``;
- ``remind_inactive`` (hourly): a learner idle in a course for its ``at_risk_after_days``
  gets one reminder per idle spell, naming their next module;
- ``remind_streaks`` (every 15 minutes): a learner whose streak of at least two days
  would end at midnight, that evening (18:00 to 22:00 in their time zone);
- ``send_digests`` (hourly): each course's instructor, once a week, from Monday 08:00 in
  their time zone: new enrollments, completions, who is at risk, where learners stopped.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, func, select

from ..achievements.service import current_streak, describe
from ..analytics.at_risk import learners_at_risk
from ..analytics.service import DROP_OFF_AFTER
from ..auth.models import User
from ..auth.time_zones import time_zone_names
from ..catalog.models import Course, Module
from ..db_types import utcnow
from ..enrollments.models import Enrollment
from ..extensions import db
from ..i18n import localized
from ..local_time import zone
from ..mail.links import absolute_url
from ..mail.models import OutboxEmail
from ..mail.outbox import queue_email
from ..messages.models import InboxEntry, Message
from ..messages.service import notify
from ..progress.activity import next_modules
from ..progress.models import ProgressEvent
from .preferences import allowing, language_column, preferences_join, unsubscribe_url

#: At most this many reminders of one kind per run; the next run goes on.
BATCH = 500
#: Evening, when a streak reminder is sent: from 18:00 to 21:59 local time.
EVENING = range(18, 22)
STREAK_MIN_DAYS = 2
#: Digests go out from Monday 08:00 local time, until Tuesday 08:00.
DIGEST_HOUR = 8
AT_RISK_NAMES = 10


def _recipients(*conditions, kind: str):
    """Active users who did not turn ``kind`` off: id, email, name, zone, language."""
    return (preferences_join(select(User.id, User.email, User.name, User.timezone, language_column()))
            .where(User.active.is_(True), allowing(kind), *conditions))


def _render(name: str, **context) -> tuple[str, str]:
    """(subject, body) of ``templates/email/<name>.txt`` in the current language."""
    text = current_app.jinja_env.get_template(f"email/{name}.txt").render(**context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def _email(user, kind: str, key: str, subject: str, body: str, course_id: int | None = None) -> bool:
    """Queue the email (with the footer that turns ``kind`` off); False when it was queued before."""
    link = unsubscribe_url(user.id, kind)
    footer = current_app.jinja_env.get_template("email/_footer.txt").render(
        unsubscribe=link, preferences=absolute_url("notifications.preferences_page"))
    return queue_email(key=key, to=user.email, subject=subject, body=f"{body}\n{footer}", kind=kind,
                       user_id=user.id, course_id=course_id, unsubscribe_url=link) is not None


# --- on events --------------------------------------------------------------------------

def email_message_copies(event: dict) -> None:
    """An email copy of a person's message for each recipient who wants one."""
    if event.get("notice"):
        return  # elearn's own notes are emailed by the job that wrote them
    message = db.session.get(Message, event["messageId"])
    if message is None:
        return
    sender = db.session.get(User, message.sender_id) if message.sender_id else None
    course = db.session.get(Course, message.course_id) if message.course_id else None
    recipients = db.session.execute(_recipients(kind="messages").join(
        InboxEntry, and_(InboxEntry.user_id == User.id, InboxEntry.message_id == message.id))).all()
    for number, user in enumerate(recipients, 1):
        with localized(user.language, user.timezone):
            subject, body = _render("message", message=message, sender=sender, course=course,
                                    link=absolute_url("messages.message", message_id=message.id))
            _email(user, "messages", f"message:{message.id}:{user.id}", subject, body, message.course_id)
        if number % BATCH == 0:
            db.session.commit()


def note_achievement(event: dict) -> None:
    """A badge earned: a note in the inbox and an email."""
    user = db.session.execute(_recipients(User.id == event["userId"], kind="achievements")).first()
    if user is None:
        return
    with localized(user.language, user.timezone):
        badge = describe(event["key"], event.get("courseTitle"))
        subject, body = _render("achievement", badge=badge, link=absolute_url("dashboard.home"))
        if _email(user, "achievements", f"achievement:{user.id}:{event['key']}", subject, body, event.get("courseId")):
            notify(user.id, subject=subject, body=body, course_id=event.get("courseId"))


# --- periodic ---------------------------------------------------------------------------

def remind_inactive(now: datetime | None = None) -> int:
    """One reminder per idle spell to learners idle in a course for its ``at_risk_after_days``;
    how many were sent."""
    now = now or utcnow()
    sent = 0
    courses = db.session.execute(select(Course.id, Course.title, Course.at_risk_after_days)
                                 .where(Course.published.is_(True)).order_by(Course.id)).all()
    for course in courses:
        if sent >= BATCH:
            break
        reminded = (select(OutboxEmail.id)
                    .where(OutboxEmail.user_id == Enrollment.user_id, OutboxEmail.kind == "inactivity",
                           OutboxEmail.course_id == course.id, OutboxEmail.created_at >= Enrollment.idle_since).exists())
        rows = db.session.execute(
            _recipients(Enrollment.course_id == course.id, Enrollment.completed_at.is_(None),
                        Enrollment.idle_since < now - timedelta(days=course.at_risk_after_days), ~reminded, kind="inactivity")
            .add_columns(Enrollment.id.label("enrollment_id"), Enrollment.idle_since.label("idle_since"))
            .join(Enrollment, Enrollment.user_id == User.id)
            .order_by(Enrollment.idle_since, Enrollment.id).limit(BATCH - sent)).all()
        for row in rows:
            nxt = next_modules(row.id).get(row.enrollment_id)
            with localized(row.language, row.timezone):
                subject, body = _render("inactivity", course=course, next_module=nxt,
                                        days=(now - row.idle_since).days,
                                        link=absolute_url("progress.course_page", course_id=course.id))
                key = f"inactivity:{row.enrollment_id}:{row.idle_since.isoformat()}"
                if _email(row, "inactivity", key, subject, body, course.id):
                    notify(row.id, subject=subject, body=body, course_id=course.id)
                    sent += 1
        db.session.commit()
    return sent


def _zones_where(now: datetime, hours: range, weekday: int | None = None) -> list[str]:
    """The time zones where the local hour is in ``hours`` (and the weekday is ``weekday``)."""
    found = []
    for name in time_zone_names():
        local = now.astimezone(zone(name))
        if local.hour in hours and (weekday is None or local.weekday() == weekday):
            found.append(name)
    return found


def remind_streaks(now: datetime | None = None) -> int:
    """An evening reminder to learners whose streak would end at midnight: active yesterday,
    not yet today (local days). How many were sent."""
    now = now or utcnow()
    evening = _zones_where(now, EVENING)
    if not evening:
        return 0
    rows = db.session.execute(
        _recipients(User.timezone.in_(evening), kind="streaks")
        .add_columns(func.max(ProgressEvent.occurred_at).label("last"))
        .join(ProgressEvent, ProgressEvent.user_id == User.id)
        .where(ProgressEvent.kind == "completed", ProgressEvent.occurred_at >= now - timedelta(hours=48))
        .group_by(User.id, User.email, User.name, User.timezone, language_column())
        .order_by(User.id)).all()
    sent = 0
    for row in rows:
        today = now.astimezone(zone(row.timezone)).date()
        if row.last.astimezone(zone(row.timezone)).date() != today - timedelta(days=1):
            continue  # active today already, or the streak ended
        streak = current_streak(row.id, row.timezone, now)
        if streak < STREAK_MIN_DAYS:
            continue
        nexts = next_modules(row.id)
        with localized(row.language, row.timezone):
            subject, body = _render("streak", days=streak, next_module=next(iter(nexts.values()), None),
                                    link=absolute_url("dashboard.home"))
            if _email(row, "streaks", f"streak:{row.id}:{today.isoformat()}", subject, body):
                notify(row.id, subject=subject, body=body)
                sent += 1
        if sent >= BATCH:
            break
    return sent


def send_digests(now: datetime | None = None) -> int:
    """Each course's weekly digest to its instructor, from Monday 08:00 in their time zone
    until Tuesday 08:00; how many were sent. Only to one who still reads the course's
    analytics (``can_edit``): a demoted instructor gets no more learners' names."""
    now = now or utcnow()
    mondays = set(_zones_where(now, range(DIGEST_HOUR, 24), weekday=0))
    tuesdays = set(_zones_where(now, range(DIGEST_HOUR), weekday=1))
    zones = mondays | tuesdays
    if not zones:
        return 0
    rows = db.session.execute(
        _recipients(User.timezone.in_(zones), User.role.in_(("instructor", "admin")), Course.published.is_(True),
                    kind="digests")
        .add_columns(Course.id.label("course_id"))
        .join(Course, Course.instructor_id == User.id).order_by(Course.id)).all()
    sent = 0
    for row in rows:
        local = now.astimezone(zone(row.timezone))
        year, week, _ = (local - timedelta(days=1 if row.timezone in tuesdays else 0)).isocalendar()
        key = f"digest:{row.course_id}:{year}-W{week:02d}"
        if db.session.scalar(select(OutboxEmail.id).where(OutboxEmail.key == key)):
            continue
        course = db.session.get(Course, row.course_id)
        with localized(row.language, row.timezone):
            subject, body = _render("digest", course=course, week=week, **digest_figures(course, now),
                                    link=absolute_url("analytics.course_dashboard", course_id=course.id))
            sent += _email(row, "digests", key, subject, body, course.id)
        db.session.commit()
    return sent


def digest_figures(course: Course, now: datetime) -> dict:
    """A course's week: new enrollments and completions of the last seven days, who is at
    risk (the first names, and how many), and per module how many stopped just before it
    this week and the week before."""
    week_ago = now - timedelta(days=7)
    of_course = Enrollment.course_id == course.id
    enrolled, completed = db.session.execute(select(
        select(func.count()).where(of_course, Enrollment.enrolled_at >= week_ago).scalar_subquery(),
        select(func.count()).where(of_course, Enrollment.completed_at >= week_ago).scalar_subquery(),
    )).one()
    at_risk = learners_at_risk(course, per_page=AT_RISK_NAMES, now=now)
    # A learner dropped off in the week their silence crossed DROP_OFF_AFTER.
    this_week = and_(Enrollment.idle_since < now - DROP_OFF_AFTER, Enrollment.idle_since >= week_ago - DROP_OFF_AFTER)
    last_week = and_(Enrollment.idle_since < week_ago - DROP_OFF_AFTER, Enrollment.idle_since >= week_ago - timedelta(days=7) - DROP_OFF_AFTER)
    stopped = db.session.execute(
        select(Enrollment.furthest_position + 1, func.sum(case((this_week, 1), else_=0)),
               func.sum(case((last_week, 1), else_=0)))
        .where(of_course, Enrollment.completed_at.is_(None),
               Enrollment.idle_since >= week_ago - timedelta(days=7) - DROP_OFF_AFTER, Enrollment.idle_since < now - DROP_OFF_AFTER)
        .group_by(Enrollment.furthest_position)).all()
    titles = dict(db.session.execute(select(Module.position, Module.title).where(Module.course_id == course.id)).all())
    drop_offs = [(titles[position], int(now_count), int(before)) for position, now_count, before in stopped
                 if position in titles and (now_count or before)]
    drop_offs.sort(key=lambda item: item[1] - item[2], reverse=True)
    return {"enrolled": enrolled, "completed": completed, "at_risk": at_risk, "drop_offs": drop_offs}
