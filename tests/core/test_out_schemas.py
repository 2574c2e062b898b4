"""A service's answer as its API schema: read through its fields' values where they hold
the whole schema (the fast way), attribute by attribute where they do not; the same
document either way."""
from dataclasses import dataclass
from datetime import UTC, datetime

from elearn.schemas import OutSchema, Timestamp, _fields_adapter


@dataclass
class Part:
    part_id: int
    label: str


@dataclass
class Whole:
    whole_id: int
    at: datetime
    parts: list[Part]
    best: Part | None
    secret: str = "not in the answer"


@dataclass
class Tallied:
    done: int
    total: int

    @property
    def share(self) -> float:
        return self.done / self.total


class PartOut(OutSchema):
    part_id: int
    label: str


class WholeOut(OutSchema):
    whole_id: int
    at: Timestamp
    parts: list[PartOut]
    best: PartOut | None


class TalliedOut(OutSchema):
    done: int
    share: float


class WithoutLabelOut(OutSchema):
    part_id: int
    label: str
    color: str = "blue"


def _whole() -> Whole:
    return Whole(7, datetime(2026, 11, 27, 12, 30, tzinfo=UTC), [Part(1, "Intro"), Part(2, "Loops")], Part(2, "Loops"))


def test_a_dataclass_holding_every_field_is_read_by_its_fields():
    assert _fields_adapter(WholeOut, Whole) is not None
    document = WholeOut.of(_whole()).model_dump(mode="json", by_alias=True)
    assert document == {"wholeId": 7, "at": "2026-11-27T12:30:00+00:00",
                        "parts": [{"partId": 1, "label": "Intro"}, {"partId": 2, "label": "Loops"}],
                        "best": {"partId": 2, "label": "Loops"}}
    assert document == WholeOut.model_validate(_whole()).model_dump(mode="json", by_alias=True)


def test_an_empty_optional_part_reads_the_same():
    whole = _whole()
    whole.best = None
    assert WholeOut.of(whole).best is None


def test_a_property_is_read_by_attribute():
    assert _fields_adapter(TalliedOut, Tallied) is None  # (share is no field)
    assert TalliedOut.of(Tallied(3, 4)).model_dump(by_alias=True) == {"done": 3, "share": 0.75}


def test_a_field_the_dataclass_lacks_keeps_its_default():
    assert _fields_adapter(WithoutLabelOut, Part) is None
    assert WithoutLabelOut.of(Part(1, "Intro")).color == "blue"


def test_anything_else_is_read_by_attribute():
    class Row:
        part_id = 3
        label = "Row"

    assert PartOut.of(Row()).label == "Row"
    assert PartOut.of({"part_id": 4, "label": "Dict"}).part_id == 4
