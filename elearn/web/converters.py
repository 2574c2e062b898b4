"""URL converters: every ``<int:...>`` in a route is a row id, so it must fit the database."""
from werkzeug.routing import IntegerConverter

from ..schemas import MAX_ID


class IdConverter(IntegerConverter):
    """Positive ids up to ``MAX_ID``; anything else matches no route (404), rather than
    reaching the database as a number it cannot hold."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
