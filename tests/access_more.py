"""The access-matrix modules added after the first three: each `tests/access_<module>.py` with
`rows(Row) -> {endpoint: Row}` and `build(session, people, company, lease) -> {name: id}`."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

_EXPLICIT = {"access_subsidies", "access_assessment", "access_exits", "access_more"}
EXTRA = [importlib.import_module(f"tests.{info.name}")
         for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda i: i.name)
         if info.name.startswith("access_") and info.name not in _EXPLICIT]
