"""What progress tells other features inside the transaction that records it.

Achievements award badges from completions; they connect in ``create_app`` so that
progress never imports them, and the badges still land in the same transaction.
"""
from dataclasses import dataclass
from datetime import datetime

from blinker import Namespace

_signals = Namespace()

#: The learner's completions of this many days travel with a ``Completion`` when a write
#: holds their first completion of the day: the longest streak badge (30 days) plus
#: yesterday, so awarding streak badges needs no query of its own.
RECENT_DAYS = 31


@dataclass(frozen=True)
class Completion:
    """A learner completed at least one module of a course in this transaction.

    The write's own statement also says what the badges need, so that awarding them needs
    no query of its own: the course's title, the learner's time zone, whether they had
    already completed a module earlier today (then no streak can have grown), and if not,
    their completion times of the last ``RECENT_DAYS`` days (before this one).
    """

    user_id: int
    course_id: int
    course_completed: bool  # every module of the course is now completed
    at: datetime
    course_title: str = ""
    timezone: str | None = None
    completed_earlier_today: bool = False
    recent_completions: tuple[datetime, ...] = ()


#: ``modules_completed.send(completions: list[Completion])``, once per write request.
modules_completed = _signals.signal("modules-completed")
