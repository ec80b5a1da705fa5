"""The background queue (huey, issue 13): one huey instance per app, built from its config.

* ``REDIS_URL`` set: ``RedisHuey`` on that Redis, consumed by ``flask --app app worker`` processes (any number, on
  any machine that reaches the Redis and the database).
* otherwise: ``SqliteHuey`` in the file ``QUEUE_FILE`` (``instance/queue.sqlite3``), a file of its own beside the
  database, consumed by the worker thread ``make run`` starts with the app (``flask --app app run-with-worker``).
* ``QUEUE_IMMEDIATE`` (the test suite): huey's immediate mode, a task runs when it is enqueued, in memory.

Besides the queue, huey's key-value storage (``put``/``get``: the SQLite file's ``kv`` table, or a Redis hash)
holds what a running job reports while its database transaction is open: ``JobProgress`` writes progress and a
heartbeat there, ``read_progress`` reads them back for the page that polls.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from huey import RedisHuey, SqliteHuey
from huey.consumer import Consumer

log = logging.getLogger("backoffice.queue")

NAME = "backoffice"


def make_huey(config):
    """The app's huey: Redis when REDIS_URL is set, else the SQLite file QUEUE_FILE; immediate in tests."""
    immediate = bool(config.get("QUEUE_IMMEDIATE"))
    if config.get("REDIS_URL"):
        return RedisHuey(NAME, url=config["REDIS_URL"], immediate=immediate, results=False)
    path = Path(config["QUEUE_FILE"])
    if not immediate:  # (immediate mode keeps everything in memory; no file until a consumer needs one)
        path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(NAME, filename=str(path), immediate=immediate, results=False)  # (no task's result is read)


class EmbeddedConsumer(Consumer):
    """huey's consumer for threads inside another program (the dev server, the browser tests): ``start()``
    starts the scheduler and the worker threads and returns; the program keeps its own signal handlers
    (huey's would take Ctrl-C from the server), and ``stop(graceful=True)`` waits for a running task."""

    def _set_signal_handlers(self):
        pass


# An idle worker polls the SQLite queue ever less often, up to this many seconds between two looks (huey's
# default, 10 s, would leave an import the user just started waiting that long; Redis blocks instead of polling).
MAX_POLL_SECONDS = 1.0


def consumer_options(workers: int, periodic: bool = True) -> dict:
    return {"workers": workers, "worker_type": "thread", "periodic": periodic, "max_delay": MAX_POLL_SECONDS}


def embedded_consumer(huey, workers: int = 1, periodic: bool = True) -> EmbeddedConsumer:
    return EmbeddedConsumer(huey, **consumer_options(workers, periodic))


# --- progress and heartbeat, in the queue's key-value storage ---------------------------------------------
def _key(job_id: int, what: str) -> str:
    return f"{NAME}:import:{job_id}:{what}"


@dataclass
class Progress:
    done: int = 0
    total: int = 0
    beat: float | None = None  # time.time() of the last sign of life, None when there is none


def read_progress(huey, job_id: int) -> Progress:
    progress = huey.get(_key(job_id, "progress"), peek=True) or (0, 0)
    beat = huey.get(_key(job_id, "beat"), peek=True)
    return Progress(done=int(progress[0]), total=int(progress[1]), beat=float(beat) if beat is not None else None)


class JobProgress:
    """A job's progress ``(done, total)`` and heartbeat, kept in the queue's storage (never in the app's
    database: the import holds its write transaction until the end).

    ``__call__(done, total)`` is the ``progress`` callback: written at most every ``every`` seconds (and the
    last row always). While the job runs (``with JobProgress(...)``) a thread beats every ``beat_every``
    seconds, so a long step that reports no rows (reading the file, the final commit) still shows a live
    worker; a worker that dies stops beating."""

    def __init__(self, huey, job_id: int, *, every: float = 0.5, beat_every: float = 5.0, clock=time.time):
        self.huey, self.job_id = huey, job_id
        self.every, self.beat_every, self.clock = every, beat_every, clock
        self._last = None
        self._stop = threading.Event()
        self._thread = None

    def beat(self) -> None:
        try:
            self.huey.put(_key(self.job_id, "beat"), self.clock())
        except Exception:  # a heartbeat that can't be written must not stop the import
            log.warning("import job %s: could not write its heartbeat", self.job_id, exc_info=True)

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if self._last is not None and now - self._last < self.every and done < total:
            return
        self._last = now
        try:
            self.huey.put(_key(self.job_id, "progress"), (int(done), int(total)))
            self.huey.put(_key(self.job_id, "beat"), now)
        except Exception:
            log.warning("import job %s: could not write its progress", self.job_id, exc_info=True)

    def _beating(self) -> None:
        while not self._stop.wait(self.beat_every):
            self.beat()

    def __enter__(self):
        self.beat()
        self._thread = threading.Thread(target=self._beating, name=f"import-{self.job_id}-heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return False

    def clear(self) -> None:
        """Forget the job's progress (its final state and counts are in the database)."""
        for what in ("progress", "beat"):
            try:
                self.huey.delete(_key(self.job_id, what))
            except Exception:
                log.warning("import job %s: could not clear its progress", self.job_id, exc_info=True)
