"""Jinja filters for numbers and times as people read them."""
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


def register_filters(app) -> None:
    app.jinja_env.filters.update(time_ago=time_ago, exact_time=exact_time, iso=iso, percent=percent,
                                 money=money)
