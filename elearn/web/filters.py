"""Jinja filters for numbers and times as people read them."""
import math
from datetime import UTC, datetime


def time_ago(moment: datetime | None, now: datetime | None = None) -> str:
    """"just now", "5 minutes ago", "3 days ago", "2 months ago"."""
    if moment is None:
        return "never"
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    if seconds < 45:
        return "just now"
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400),
                       ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def exact_time(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat() if moment else ""


def percent(value: float) -> str:
    """Whole percent for display, rounded down so 99.6% never reads as done."""
    return f"{int(value)}%"


def money(cents: int) -> str:
    return "Free" if not cents else f"${cents / 100:,.2f}"


def compact_number(value: float) -> str:
    """A chart's number in a few characters: 950, 3.6k, 1.2M."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}".removesuffix(".0") + suffix
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def compact_money(cents: int) -> str:
    """A chart's amount in a few characters: $950, $3.6k."""
    return "$" + compact_number(cents / 100)


def nice_ceiling(value: float) -> float:
    """The round number at or above ``value`` a chart's axis ends at: 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def register_filters(app) -> None:
    app.jinja_env.filters.update(time_ago=time_ago, exact_time=exact_time, iso=iso, percent=percent,
                                 money=money, compact_number=compact_number, compact_money=compact_money,
                                 nice_ceiling=nice_ceiling)
