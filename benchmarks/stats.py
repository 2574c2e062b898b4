"""Percentiles and medians, the same way everywhere in the suite."""
import statistics


def percentile(values, q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary_ms(seconds: list[float]) -> dict:
    """p50/p95/p99/max in milliseconds of a list of durations in seconds."""
    return {"n": len(seconds), **{
        name: (None if value is None else round(value * 1000, 3))
        for name, value in (("p50", percentile(seconds, 50)), ("p95", percentile(seconds, 95)),
                            ("p99", percentile(seconds, 99)), ("max", max(seconds, default=None)))}}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
