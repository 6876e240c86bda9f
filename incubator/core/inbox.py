"""The task inbox ("我的待办"): every module registers a provider that derives tasks for a
user from current data, so the inbox can never disagree with the workflows."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session


@dataclass(order=True)
class Task:
    sort_key: tuple = field(init=False, repr=False)
    title: str
    url: str
    module: str = ""
    due: dt.date | None = None
    count: int | None = None
    level: str = "primary"  # badge colour: danger for overdue, warning for due soon

    def __post_init__(self):
        self.sort_key = (self.due or dt.date.max, self.title)


Provider = Callable[[Session, object], list[Task]]
_providers: list[Provider] = []


def task_provider(fn: Provider) -> Provider:
    _providers.append(fn)
    return fn


def tasks_for(session: Session, user) -> list[Task]:
    tasks: list[Task] = []
    for provider in _providers:
        tasks.extend(provider(session, user))
    return sorted(tasks)
