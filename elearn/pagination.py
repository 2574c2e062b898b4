"""Page through any growing list with one COUNT and one LIMIT/OFFSET query."""
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from .extensions import db

MAX_PER_PAGE = 200


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def paginate(stmt: Select, page: int, per_page: int, scalars: bool = True, session=None,
             count: Select | int | None = None) -> Page:
    """Run ``stmt`` for one page. ``scalars=False`` keeps multi-column rows as rows;
    ``session`` defaults to the primary's; ``count``, when given, is a cheaper statement
    counting the same rows (without joins that cannot change the count), or the number
    itself, from a counter."""
    session = session or db.session
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    if count is None:
        count = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = count if isinstance(count, int) else session.scalar(count)
    result = session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = list(result.scalars() if scalars else result)
    return Page(items=items, page=page, per_page=per_page, total=total or 0)
