"""Test-only jobs that block until told to go on, and the RQ worker class whose module registers them in the worker's
app (`rq worker -w tests.reliability.blocking_jobs.Worker`); the test process registers them with `register`."""

from __future__ import annotations

import os
import time
from pathlib import Path

from rq.worker import Worker as RQWorker

from dvcq import worker
from dvcq.platform import registry
from dvcq.platform.jobs import JobContext

BLOCKING = "tests.blocking"


def blocking(ctx: JobContext, directory: str, timeout: float = 60):
    """Says it started (a file per attempt), then waits for `release` to appear."""
    folder = Path(directory)
    attempt = ctx.record.attempts
    (folder / f"started-{attempt}").write_text(str(os.getpid()))
    ctx.progress(50, "Đang chờ")
    deadline = time.monotonic() + timeout
    while not (folder / "release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("never released")
        time.sleep(0.05)
    return {"attempt": attempt}


def register(app) -> None:
    registry.of(app).job(BLOCKING, blocking)


class Worker(RQWorker):
    """The ordinary forking worker; importing this module made the worker's app register the test job."""


_create_worker_app = worker.app


def _worker_app_with_test_jobs():
    app = _create_worker_app()
    if BLOCKING not in registry.of(app).jobs:
        register(app)
    return app


worker.app = _worker_app_with_test_jobs


def _block_storage_saves(folder: Path) -> None:
    """Make every storage save write its first 4 KiB, say so (pid in `saving`), then wait for `release`: a worker
    killed there leaves a half-written temporary file behind, as a real crash would."""
    from dvcq.platform import storage

    def chunks(stream, size=storage.CHUNK):
        first = stream.read(4096)
        if first:
            yield first
        (folder / "saving").write_text(str(os.getpid()))
        while not (folder / "release").exists():
            time.sleep(0.05)
        while chunk := stream.read(size):
            yield chunk

    storage._chunks = chunks


if os.environ.get("DVCQ_TEST_BLOCK_SAVES"):
    _block_storage_saves(Path(os.environ["DVCQ_TEST_BLOCK_SAVES"]))
    import dvcq.scoring.decisions.jobs as decision_jobs

    decision_jobs.pdf_wanted = lambda: False  # LibreOffice is exercised by its own test
