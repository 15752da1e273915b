"""A worker killed mid-job (SIGKILL to the worker and its work-horse): the job is retried when it has retries left,
otherwise its record says it failed and why — with a real `rq worker` process and a real redis-server."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import select

from dvcq.platform import jobs, queues, schedule
from dvcq.platform.extensions import db
from dvcq.platform.jobs import JobRecord, JobStatus
from dvcq.platform.tenancy import Scope, scoped
from tests.reliability import blocking_jobs

ROOT = Path(__file__).resolve().parents[2]


def _record(record_id: str) -> JobRecord:
    db.session.expire_all()
    return db.session.execute(
        select(JobRecord).where(JobRecord.id == record_id).execution_options(all_tenants=True)
    ).scalar_one()


def _worker(app, redis_server, *extra: str, env_extra: dict | None = None) -> subprocess.Popen:
    db.session.commit()  # the test's own transaction ends here: the worker never waits on a row this test read
    log = tempfile.NamedTemporaryFile(prefix="dvcq-worker-", suffix=".log", delete=False)  # noqa: SIM115
    rq = Path(sys.executable).parent / "rq"
    if not rq.exists():
        pytest.skip("the rq command is not installed")
    env = dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=redis_server.url,
        STORAGE_URL=app.config["STORAGE_URL"],
        SECRET_KEY="w" * 48,
        PYTHONPATH=str(ROOT),
        **(env_extra or {}),
    )
    process = subprocess.Popen(
        [
            str(rq),
            "worker",
            "-u",
            redis_server.url,
            "-w",
            "tests.reliability.blocking_jobs.Worker",
            *extra,
            *queues.ALL,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,  # what the worker said, shown by _finished when it does not end
        start_new_session=True,  # its own process group: the worker and its work-horse die together
    )
    log.close()  # the worker holds its own copy of the file
    process.stderr_path = log.name
    return process


def _finished(process: subprocess.Popen, seconds: float = 120) -> None:
    """A burst worker ends by itself once the queues are empty; if it does not, say what it logged."""
    try:
        status = process.wait(seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        status = None
    said = Path(process.stderr_path).read_text(errors="replace")[-4000:]
    assert status == 0, f"the burst worker ended with {status}:\n{said}"


def _wait_for(path: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def _kill(process: subprocess.Popen, started: Path) -> None:
    """SIGKILL the worker first (so nobody watches the job any more), then its work-horse (RQ puts it in a session
    of its own; the job wrote its pid) — as when the machine or the OOM killer takes both."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
    if started.exists():
        horse = int(started.read_text())
        with contextlib.suppress(ProcessLookupError):
            os.kill(horse, signal.SIGKILL)
        while _alive(horse):
            time.sleep(0.02)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its dead parent counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _start_blocking_job(app, world, redis_server, tmp_path) -> str:
    app.config.update(JOBS_INLINE=False, REDIS_URL=redis_server.url)
    blocking_jobs.register(app)
    scope = Scope(world.district_id, world.a_id)
    with scoped(scope):
        record = jobs.enqueue(blocking_jobs.BLOCKING, scope=scope, unit_id=world.a_id, directory=str(tmp_path))
    return record.id


def _abandoned_jobs_cleaned_up(conn) -> None:
    """What RQ's maintenance does once the dead worker's heartbeat has expired (here: right away)."""
    StartedJobRegistry(queues.DEFAULT, connection=conn).cleanup(timestamp=time.time() + jobs.JOB_TIMEOUT + 3600)


def test_a_job_whose_worker_is_killed_is_retried_and_finishes(app, world, redis_server, tmp_path):
    record_id = _start_blocking_job(app, world, redis_server, tmp_path)
    worker = _worker(app, redis_server)
    try:
        _wait_for(tmp_path / "started-1")
        assert _record(record_id).status == JobStatus.RUNNING
    finally:
        _kill(worker, tmp_path / "started-1")

    conn = redis_server.connection()
    _abandoned_jobs_cleaned_up(conn)
    assert Job.fetch(record_id, connection=conn).get_status() == "scheduled"  # RQ's Retry(max=2, interval=[10, 60])
    assert schedule.tick()["jobs.sweep_interrupted"]["retrying"] == 1
    waiting = _record(record_id)
    assert waiting.status == JobStatus.QUEUED and waiting.message == jobs.RETRYING

    queue = Queue(queues.DEFAULT, connection=conn)
    job = Job.fetch(record_id, connection=conn)
    ScheduledJobRegistry(queue=queue).remove(job)  # the retry interval has passed
    queue.enqueue_job(job)
    (tmp_path / "release").write_text("go")
    again = _worker(app, redis_server, "--burst")
    _finished(again)
    done = _record(record_id)
    assert done.status == JobStatus.FINISHED and done.attempts == 2 and done.result_data == {"attempt": 2}


def test_a_killed_job_without_retries_left_is_marked_failed_with_its_reason(
    app, world, browser, redis_server, tmp_path
):
    record_id = _start_blocking_job(app, world, redis_server, tmp_path)
    conn = redis_server.connection()
    job = Job.fetch(record_id, connection=conn)
    job.retries_left = 0  # its retries are spent
    job.save()
    worker = _worker(app, redis_server)
    try:
        _wait_for(tmp_path / "started-1")
    finally:
        _kill(worker, tmp_path / "started-1")
    assert _record(record_id).status == JobStatus.RUNNING  # nobody will ever finish it

    _abandoned_jobs_cleaned_up(conn)
    assert schedule.tick()["jobs.sweep_interrupted"]["failed"] == 1
    failed = _record(record_id)
    assert failed.status == JobStatus.FAILED and failed.error == jobs.INTERRUPTED
    browser.login(world.officer_a)
    page = browser.get(f"/cong-viec/{record_id}/xem").get_data(as_text=True)
    assert "Không thành công" in page and "Công việc bị gián đoạn" in page
    assert schedule.tick()["jobs.sweep_interrupted"] == {"failed": 0, "retrying": 0, "redispatched": 0}


def test_a_queued_job_lost_by_a_redis_restart_is_handed_to_the_queue_again(app, world, redis_server, tmp_path):
    record_id = _start_blocking_job(app, world, redis_server, tmp_path)
    redis_server.stop()
    redis_server.start()  # no persistence: the queue is empty again
    conn = redis_server.connection()
    assert Queue(queues.DEFAULT, connection=conn).count == 0
    assert schedule.tick()["jobs.sweep_interrupted"]["redispatched"] == 0  # too young: maybe still on its way
    later = _record(record_id).created_at.replace(microsecond=0)
    from datetime import timedelta

    assert jobs.sweep_interrupted(later + timedelta(minutes=5))["redispatched"] == 1
    assert Queue(queues.DEFAULT, connection=conn).count == 1


def test_a_decision_document_killed_half_written_is_never_offered_and_the_retry_stores_it_whole(
    app, world, browser, redis_server, tmp_path
):
    from dvcq.platform.storage import get_storage
    from dvcq.scoring.decisions import services as decisions
    from dvcq.scoring.models import Decision
    from tests.scoring.decision_factories import decision_campaign
    from tests.scoring.test_decisions import fresh, issued

    app.config["DECISIONS_PDF"] = False
    c = decision_campaign(world)
    app.config.update(JOBS_INLINE=False, REDIS_URL=redis_server.url)
    decision_id = issued(world, c.campaign_id).id
    blocked = {"DVCQ_TEST_BLOCK_SAVES": str(tmp_path)}
    worker = _worker(app, redis_server, env_extra=blocked)
    try:
        _wait_for(tmp_path / "saving")
    finally:
        _kill(worker, tmp_path / "saving")

    storage = get_storage()
    halves = [p for p in Path(storage.root).rglob(".tmp-*")]
    assert halves and all(p.stat().st_size <= 4096 for p in halves)  # the crash left a half-written file…
    assert storage.keys() == []  # …that storage never lists
    assert fresh(Decision, decision_id).docx_key is None  # and the decision points at nothing
    browser.login(world.secretariat)
    assert browser.get(f"/quyet-dinh/{decision_id}/tai-ve/docx").status_code == 404

    conn = redis_server.connection()
    for name in queues.ALL:
        StartedJobRegistry(name, connection=conn).cleanup(timestamp=time.time() + jobs.JOB_TIMEOUT + 3600)
    with scoped(Scope(world.district_id)):
        record = decisions.latest_job(fresh(Decision, decision_id), decisions.GENERATE_JOB)
    rq_job = Job.fetch(record.id, connection=conn)
    queue = Queue(rq_job.origin, connection=conn)
    ScheduledJobRegistry(queue=queue).remove(rq_job)  # the retry interval has passed
    queue.enqueue_job(rq_job)
    (tmp_path / "release").write_text("go")
    _finished(_worker(app, redis_server, "--burst", env_extra=blocked))
    saved = fresh(Decision, decision_id)
    assert saved.docx_key and storage.keys() == [saved.docx_key]
    download = browser.get(f"/quyet-dinh/{decision_id}/tai-ve/docx")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    assert _record(record.id).status == JobStatus.FINISHED
