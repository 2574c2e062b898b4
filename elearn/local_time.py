"""Days in a user's own time zone: streaks and "today" follow the learner's clock, not UTC."""
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone ``name``; UTC if it is unknown (input is validated, but a bad row must
    not make a progress write fail)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` begins in ``tz``."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def start_of_today(now: datetime, timezone: str | None) -> datetime:
    """The UTC instant at which the local day holding ``now`` began."""
    tz = zone(timezone)
    return local_midnight(now.astimezone(tz).date(), tz)
