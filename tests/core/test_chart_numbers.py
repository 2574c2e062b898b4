"""Chart axes end at round numbers whose quarters are round, and values read compactly."""
import pytest

from elearn.web.filters import compact_money, compact_number, nice_ceiling


@pytest.mark.parametrize("value, top", [(0, 0), (3, 4), (33, 40), (100, 100), (101, 200), (3700, 4000),
                                        (5100, 6000), (7_900, 8000), (8_001, 10_000), (0.3, 0.4)])
def test_the_axis_ends_at_a_round_number_at_or_above_the_largest_value(value, top):
    assert nice_ceiling(value) == pytest.approx(top)


@pytest.mark.parametrize("value, text", [(0, "0"), (950, "950"), (1000, "1K"), (3650, "3.6K"),
                                         (12_500, "12.5K"), (1_200_000, "1.2M"), (12.5, "12.5")])
def test_numbers_are_compact(value, text):
    assert compact_number(value) == text


def test_money_is_compact_dollars_from_cents():
    assert compact_money(365_000) == "$3.6K" and compact_money(9_900) == "$99"
