"""The suite's app runs its background tasks in huey's immediate mode (tests/conftest.py). ``real_queue`` turns
that app's huey to its SQLite queue file (QUEUE_FILE, a temporary file) for a test or the browser journeys, and
``consumer`` runs huey's consumer in threads on it, as `make run` does."""

from __future__ import annotations

from contextlib import contextmanager

from backoffice import tasks
from backoffice.infra import queue


@contextmanager
def real_queue(app):
    """The app's tasks go to the SQLite queue (nothing runs them until a consumer starts)."""
    huey = tasks.of(app).huey
    huey.immediate = False  # (huey builds the SQLite storage on QUEUE_FILE)
    huey.flush()
    try:
        yield huey
    finally:
        huey.flush()
        huey.storage.close()
        huey.immediate = True


@contextmanager
def consumer(huey, workers: int = 1, periodic: bool = False):
    """huey's consumer in threads (the embedded one of `flask run-with-worker`), stopped gracefully after."""
    running = queue.embedded_consumer(huey, workers=workers, periodic=periodic)
    running.start()
    try:
        yield running
    finally:
        running.stop(graceful=True)
