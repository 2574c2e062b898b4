"""How progress figures are computed, once for every surface."""


def percentage(done: int, total: int) -> float:
    """``done`` over ``total`` as a percentage rounded to 2 decimals; 0 when total is 0."""
    return round(100 * done / total, 2) if total else 0.0
