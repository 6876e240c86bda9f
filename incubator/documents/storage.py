"""Files on disk under UPLOAD_DIR (outside the web root), named by generated keys.

A file is written before its record commits, so the store remembers what each
transaction wrote and deletes it again if that transaction (or a savepoint around it)
rolls back: an uploaded file is kept only if its record commits. `after_rollback` alone
is not enough — it also fires for savepoints without saying which one — so files are
tied to the SessionTransaction that was current when they were written.
"""
from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}$")
_PENDING = "filestore_pending"  # session.info: list of (path, transaction that wrote it)


class FileStore:
    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """The file for a key; keys are only ever generated here, so anything else is refused."""
        if not _KEY.match(key or ""):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def _reserve(self, session: Session) -> tuple[str, Path]:
        """A new key whose file is deleted again unless the session's current transaction commits."""
        hexkey = uuid.uuid4().hex
        key = f"{hexkey[:2]}/{hexkey[2:4]}/{hexkey}"
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
        session.info.setdefault(_PENDING, []).append((path, transaction))
        return key, path

    def save(self, session: Session, data: bytes) -> str:
        """Write `data` under a new key; it is deleted again unless `session` commits."""
        key, path = self._reserve(session)
        with open(path, "xb") as fh:  # "x": never overwrite
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return key

    def save_file(self, session: Session, source: Path) -> str:
        """Move a finished file (a large one, never read into memory) under a new key, like `save`.
        `source` must be on the store's file system (e.g. a temporary file under the root), so the
        rename is atomic."""
        key, path = self._reserve(session)
        os.replace(source, path)
        return key

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def open(self, key: str):
        return self.path(key).open("rb")


def file_store() -> FileStore:
    return FileStore(current_app.config["UPLOAD_DIR"])


def _discard(session: Session, doomed) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    keep = []
    for path, transaction in pending:
        if doomed(transaction):
            path.unlink(missing_ok=True)
        else:
            keep.append((path, transaction))
    session.info[_PENDING] = keep


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _keep_committed(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    _discard(session, lambda t: _within(t, previous_transaction))


@event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    # the outermost transaction ended without a commit (rollback, or close() without one)
    if transaction.parent is None:
        _discard(session, lambda _t: True)
