"""Redis down: pages keep working (login limits fall back to memory), jobs say they are delayed and run once Redis is
back — with a real redis-server that the test stops and starts again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rq import Queue, SimpleWorker
from sqlalchemy import select

from dvcq.platform import jobs, queues, schedule
from dvcq.platform.extensions import db
from dvcq.platform.jobs import JobRecord, JobStatus
from dvcq.platform.tenancy import Scope, scoped
from tests.reliability.conftest import free_port


def _record(record_id: str) -> JobRecord:
    db.session.expire_all()
    return db.session.execute(
        select(JobRecord).where(JobRecord.id == record_id).execution_options(all_tenants=True)
    ).scalar_one()


LOGIN_SCRIPT = """
import json, sys
from dvcq.app import create_app
from tests.conftest import Browser, FreshContextClient
app = create_app({"TESTING": True, "SECRET_KEY": "s" * 48, "STORAGE_URL": sys.argv[1]})
app.test_client_class = FreshContextClient
person = Browser(app.test_client())
codes = {"login": person.login("canbo.a").status_code, "home": person.get("/").status_code}
intruder = Browser(app.test_client())
codes["wrong"] = [intruder.login("canbo.b", "sai-mat-khau").status_code for _ in range(5)]
print(json.dumps(codes))
"""


def test_login_and_pages_work_and_login_limits_still_apply_when_redis_is_unreachable(app, world, tmp_path):
    """A fresh process configured as in production (REDIS_URL for queue and limits), with nothing listening there."""
    dead = f"redis://127.0.0.1:{free_port()}/0"
    env = dict(os.environ, REDIS_URL=dead, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    env["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    run = subprocess.run(
        [sys.executable, "-c", LOGIN_SCRIPT, f"file://{tmp_path / 'evidence'}"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    codes = json.loads(run.stdout.strip().splitlines()[-1])
    assert codes["login"] == 302 and codes["home"] == 200
    assert codes["wrong"][:3] == [200, 200, 200]
    assert 429 in codes["wrong"][3:], codes  # counted in memory while Redis is away: brute force still stopped


def test_a_job_enqueued_while_redis_is_down_is_shown_delayed_and_runs_once_redis_is_back(
    app, world, browser, runner, redis_server
):
    app.config.update(JOBS_INLINE=False, REDIS_URL=redis_server.url)
    redis_server.stop()
    scope = Scope(world.district_id, world.a_id)
    with scoped(scope):
        record = jobs.enqueue("platform.selftest", scope=scope, unit_id=world.a_id, steps=2)
    record_id = record.id
    assert _record(record_id).status == JobStatus.DELAYED

    browser.login(world.officer_a)
    page = browser.get(f"/cong-viec/{record_id}/xem").get_data(as_text=True)
    assert "Tạm hoãn" in page and "sẽ được chạy lại tự động" in page

    redis_server.start()  # the queue is back, empty: the job lives only in its record
    conn = redis_server.connection()
    assert Queue(queues.DEFAULT, connection=conn).count == 0
    result = runner.invoke(args=["dvcq", "jobs", "requeue"])
    assert result.exit_code == 0, result.output
    assert "Đã đưa lại 1 công việc" in result.output
    queue = Queue(_record(record_id).queue, connection=conn)
    assert queue.count == 1
    SimpleWorker([queue], connection=conn).work(burst=True)
    done = _record(record_id)
    assert done.status == JobStatus.FINISHED and done.result_data == {"steps": 2}
    page = browser.get(f"/cong-viec/{record_id}/xem").get_data(as_text=True)
    assert "Đã xong" in page


def test_the_periodic_tick_requeues_delayed_jobs_so_nothing_is_lost(app, world, redis_server):
    app.config.update(JOBS_INLINE=False, REDIS_URL=redis_server.url)
    redis_server.stop()
    scope = Scope(world.district_id)
    ids = []
    with scoped(scope):
        for steps in (1, 2, 3):
            ids.append(jobs.enqueue("platform.selftest", scope=scope, unit_id=world.district_id, steps=steps).id)
    assert {_record(i).status for i in ids} == {JobStatus.DELAYED}

    assert schedule.tick()["jobs.requeue_delayed"] == 0  # still down: they stay delayed
    assert {_record(i).status for i in ids} == {JobStatus.DELAYED}

    redis_server.start()
    assert schedule.tick()["jobs.requeue_delayed"] == 3
    conn = redis_server.connection()
    SimpleWorker([Queue(queues.DEFAULT, connection=conn)], connection=conn).work(burst=True)
    assert [(_record(i).status, _record(i).result_data) for i in ids] == [
        (JobStatus.FINISHED, {"steps": 1}),
        (JobStatus.FINISHED, {"steps": 2}),
        (JobStatus.FINISHED, {"steps": 3}),
    ]
