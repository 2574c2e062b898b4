"""Jinja filters for numbers and times as people read them, in the reader's language and
time zone (``elearn/i18n.py`` chooses both): one style on every page.

Dates read "Oct 17, 2026" ("17 oct 2026"); moments within a week read "3 days ago" ("hace
3 días"), older ones as their date, with the full date and time in the reader's zone in
the tooltip (``time_tag`` in templates/_macros.html).
"""
import functools
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from babel import dates, numbers
from flask_babel import gettext, lazy_gettext
from jinja2 import pass_context

from ..i18n import locale, time_zone

#: How long a moment reads as relative ("3 days ago") before it reads as a date.
RELATIVE_FOR = timedelta(days=7)
CURRENCY = "USD"


def _locale():
    return locale() or "en"


def _local(moment: datetime) -> datetime:
    return moment.astimezone(time_zone() or UTC)


def time_ago(moment: datetime | None, now: datetime | None = None) -> str:
    """"just now", "5 minutes ago", "3 days ago"; a week or more back, the date."""
    if moment is None:
        return gettext("never")
    age = (now or datetime.now(UTC)) - moment
    if age < timedelta(seconds=45):
        return gettext("just now")
    if age >= RELATIVE_FOR:
        return day(moment)
    return dates.format_timedelta(-age, add_direction=True, threshold=1, locale=_locale())


def day(moment: datetime | date | None) -> str:
    """The date alone, "Oct 17, 2026": a moment's date in the reader's zone."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = _local(moment).date()
    return _day(moment, _locale())


@functools.lru_cache(maxsize=4096)
def _day(day_: date, locale) -> str:
    """(A list repeats the same few days: Babel takes about 5 µs a date.)"""
    return dates.format_date(day_, "medium", locale=locale)


def short_day(moment: datetime | date) -> str:
    """A day without its year, "Oct 17" ("17 oct"): chart labels and "since"."""
    if isinstance(moment, datetime):
        moment = _local(moment).date()
    return dates.format_skeleton("MMMd", moment, locale=_locale())


def short_month(moment: date, with_year: bool = False) -> str:
    """A month on a chart's axis: "Feb", or "Jan 26" where a year begins."""
    return dates.format_skeleton("MMMyy" if with_year else "MMM", moment, locale=_locale())


def exact_time(moment: datetime | None) -> str:
    """The full date and time in the reader's zone: "Oct 16, 2026, 10:00 PM CDT"."""
    if moment is None:
        return ""
    # The pattern shows minutes, not seconds: moments of the same minute read the same.
    return _exact_time(moment.replace(second=0, microsecond=0), time_zone() or UTC, _locale())


@functools.lru_cache(maxsize=4096)
def _exact_time(minute: datetime, zone, locale) -> str:
    """(Babel takes about 15 µs a moment, and a page re-rendered shows the same ones.)"""
    reader = dates.Locale.parse(locale)
    return dates.format_datetime(minute, _exact_pattern(reader), tzinfo=zone, locale=reader)


@functools.lru_cache(maxsize=64)
def _exact_pattern(reader) -> str:
    return (str(reader.datetime_formats["medium"])
            .replace("{1}", reader.date_formats["medium"].pattern)
            .replace("{0}", reader.time_formats["short"].pattern + " z"))


def iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat() if moment else ""


def percent(value: float) -> str:
    """Whole percent for display, rounded down so 99.6% never reads as done ("72%", "72 %")."""
    return _percent(int(value), _locale())


@functools.lru_cache(maxsize=4096)
def _percent(whole: int, locale) -> str:
    """(Babel takes about 20 µs per number, and a page shows hundreds of the same few.)"""
    return numbers.format_percent(whole / 100, locale=locale)


def number(value: float, decimals: int | None = None) -> str:
    """A number with the reader's grouping and decimal sign: 12,345 (12.345); ``decimals``
    fixes the digits after the point: 3.0 (3,0)."""
    return _number(value, decimals, _locale())


@functools.lru_cache(maxsize=4096)
def _number(value: float, decimals: int | None, locale) -> str:
    """(Babel takes about 20 µs a number; a dashboard shows the same counts again.)"""
    pattern = None if decimals is None else "#,##0." + "0" * decimals
    return numbers.format_decimal(value, format=pattern, locale=locale)


def money(cents: int) -> str:
    """"$49.00" ("49,00 US$"); "Free" for nothing."""
    if not cents:
        return gettext("Free")
    return numbers.format_currency(cents / 100, CURRENCY, locale=_locale())


def compact_number(value: float) -> str:
    """A chart's number in a few characters: 950, 3.6K, 1.2M (3,6 mil)."""
    return numbers.format_compact_decimal(value, fraction_digits=1, locale=_locale())


def compact_money(cents: int) -> str:
    """A chart's amount in a few characters: $950, $3.6K."""
    return numbers.format_compact_currency(cents / 100, CURRENCY, fraction_digits=1, locale=_locale())


def weekday(iso_weekday: int, width: str = "abbreviated") -> str:
    """An ISO weekday (1 is Monday) by name: "Tue" ("mar")."""
    return dates.get_day_names(width, locale=_locale())[iso_weekday - 1]


#: What the stored words mean to a reader: roles, content types, ticket statuses.
ROLE_NAMES = {"student": lazy_gettext("student"), "instructor": lazy_gettext("instructor"), "admin": lazy_gettext("admin")}
ROLE_NAMES_PLURAL = {"student": lazy_gettext("Students"), "instructor": lazy_gettext("Instructors"),
                "admin": lazy_gettext("Admins")}
CONTENT_TYPE_NAMES = {"video": lazy_gettext("video"), "audio": lazy_gettext("audio"), "pdf": lazy_gettext("PDF"),
                 "image": lazy_gettext("image"), "article": lazy_gettext("article"), "link": lazy_gettext("link"),
                 "quiz": lazy_gettext("quiz"), "text": lazy_gettext("lesson")}
TICKET_STATUS_NAMES = {"open": lazy_gettext("Open"), "closed": lazy_gettext("Closed")}


def role_name(role: str, plural: bool = False) -> str:
    return str((ROLE_NAMES_PLURAL if plural else ROLE_NAMES).get(role, role))


def content_type_name(kind: str) -> str:
    return str(CONTENT_TYPE_NAMES.get(kind, kind))


def ticket_status_name(status: str) -> str:
    return str(TICKET_STATUS_NAMES.get(status, status))


def nice_ceiling(value: float) -> float:
    """The round number at or above ``value`` a chart's axis ends at, chosen so that its
    quarters (the gridlines) are round too: 1, 2, 4, 6 or 8 times a power of ten."""
    if value <= 0:
        return 0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 4, 6, 8, 10) if step * power >= value)


def _for_each_reader(format_: Callable) -> Callable:
    """``format_`` as a filter Jinja calls only while rendering. Jinja works out a filter
    of constants (``25|percent``) once, while compiling, and the compiled template serves
    every later reader of the process: in whatever language its first reader had."""
    @functools.wraps(format_)
    def filter_(_context, *args, **kwargs):
        return format_(*args, **kwargs)

    return pass_context(filter_)


def register_filters(app) -> None:
    per_reader = {name: _for_each_reader(format_) for name, format_ in dict(
        time_ago=time_ago, day=day, short_day=short_day, exact_time=exact_time, percent=percent, number=number,
        money=money, compact_number=compact_number, compact_money=compact_money, weekday=weekday,
        role_name=role_name, content_type_name=content_type_name, ticket_status_name=ticket_status_name).items()}
    app.jinja_env.filters.update(per_reader, iso=iso, nice_ceiling=nice_ceiling)
