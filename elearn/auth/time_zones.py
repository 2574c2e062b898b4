"""The time zones a user may have: IANA's names, checked on input and grouped for a select."""
import functools
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

#: The regions IANA names zones by ("Europe/Berlin"); other names (aliases such as
#: "US/Eastern", "Etc/GMT+5" or "Japan") are listed after them under "Other".
REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian",
           "Pacific")


@functools.cache
def time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _known(value: str) -> str:
    if value not in time_zone_names():
        raise PydanticCustomError("time_zone", "unknown time zone")
    return value


#: A field holding an IANA time zone name.
TimeZone = Annotated[str, AfterValidator(_known)]


@functools.cache
def time_zone_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every zone but UTC (which comes first on its own), sorted within its region:
    ``(("Africa", ("Africa/Abidjan", ...)), ..., ("Other", (...)))``."""
    groups: dict[str, list[str]] = {region: [] for region in (*REGIONS, "Other")}
    for name in sorted(time_zone_names() - {"UTC"}):
        region = name.split("/", 1)[0]
        groups[region if region in REGIONS else "Other"].append(name)
    return tuple((region, tuple(names)) for region, names in groups.items() if names)
