"""Page a SELECT: fetch one page of rows, count the filtered total once."""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

PER_PAGE = 20


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def window(self, size: int = 2) -> list[int]:
        lo, hi = max(1, self.page - size), min(self.pages, self.page + size)
        return list(range(lo, hi + 1))


def parse_page(value: Any) -> int:
    try:
        return max(1, min(int(value), 100000))
    except (TypeError, ValueError):
        return 1


def paginate(session: Session, stmt: sa.Select, page: int, per_page: int = PER_PAGE, scalars: bool = True) -> Page:
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = min(page, max(1, ceil(total / per_page))) if total else 1
    result = session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = list(result.scalars() if scalars else result)
    return Page(items=items, page=page, per_page=per_page, total=total)
