"""Run the same change from several threads at once (PostgreSQL concurrency tests)."""
from __future__ import annotations

import contextlib
import threading

from incubator.core.errors import DomainError
from incubator.db import db


def race(targets, attempt, app=None) -> list:
    """Run attempt(session, target, barrier) in one thread per target; `attempt` loads what it
    needs, waits on the barrier so all threads act at the same moment, and returns a result.
    Each thread has its own session and commits or rolls back. Returns the outcomes: the
    result, the DomainError subclass name, or repr() of any other exception. With `app`, each
    thread works inside its app context (for services that read the config or the file store)."""
    barrier = threading.Barrier(len(targets))
    outcomes, lock = [], threading.Lock()

    def run(target):
        with app.app_context() if app else contextlib.nullcontext():
            outcome = _attempt_once(target)
        with lock:
            outcomes.append(outcome)

    def _attempt_once(target):
        s = db.Session()
        try:
            result = attempt(s, target, barrier)
            s.commit()
        except DomainError as exc:
            s.rollback()
            result = type(exc).__name__
        except Exception as exc:  # noqa: BLE001 - anything else fails the calling test
            s.rollback()
            result = repr(exc)
        finally:
            s.close()
        return result

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes
