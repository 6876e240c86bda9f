"""String enums with translated labels and badge colours, stored as VARCHAR + CHECK."""
from __future__ import annotations

from enum import Enum, StrEnum

import sqlalchemy as sa


class LabeledEnum(StrEnum):
    """`__labels__` maps member → lazy-translated label; `__badges__` maps member → colour."""

    __labels__: dict = {}
    __badges__: dict = {}

    @property
    def label(self) -> str:
        return str(type(self).__labels__.get(self, self.value))

    @property
    def badge(self) -> str:
        return type(self).__badges__.get(self, "secondary")

    @classmethod
    def from_arg(cls, value):
        """The member named by a query-string value, or None when it is empty or unknown."""
        try:
            return cls(value) if value else None
        except ValueError:
            return None

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


def enum_column(enum_cls: type[Enum], name: str | None = None) -> sa.Enum:
    return sa.Enum(
        enum_cls,
        name=name or enum_cls.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
