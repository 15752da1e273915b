"""Jobs: the record tells status, progress and result; a failure says why; RQ carries them when Redis is set."""

import os

import pytest
from sqlalchemy import select

from dvcq.platform import jobs
from dvcq.platform.extensions import db
from dvcq.platform.jobs import JobRecord, JobStatus
from dvcq.platform.tenancy import Scope, scoped


def test_an_inline_job_finishes_with_its_result_and_progress(world):
    scope = Scope(world.district_id)
    with scoped(scope):
        record = jobs.enqueue("platform.selftest", scope=scope, unit_id=world.district_id, steps=4)
    assert record.status == JobStatus.FINISHED
    assert record.progress == 100
    assert record.result_data == {"steps": 4}
    assert record.message == "Bước 4/4"


def test_a_failed_job_says_why(world, browser):
    scope = Scope(world.district_id, world.a_id)
    with scoped(scope):
        record = jobs.enqueue("platform.selftest", scope=scope, unit_id=world.a_id, fail=True)
    assert record.status == JobStatus.FAILED
    browser.login(world.officer_a)
    status = browser.get(f"/cong-viec/{record.id}").get_json()
    assert status["done"] is True
    assert status["error"] == "Công việc thử nghiệm được yêu cầu thất bại."
    page = browser.get(f"/cong-viec/{record.id}/xem").get_data(as_text=True)
    assert "Không thành công" in page and "Công việc thử nghiệm được yêu cầu thất bại." in page


def test_running_a_finished_job_again_does_nothing(world):
    scope = Scope(world.district_id)
    with scoped(scope):
        record = jobs.enqueue("platform.selftest", scope=scope, unit_id=world.district_id)
    finished_at = record.finished_at
    jobs.run_job(record.id)
    db.session.refresh(record)
    assert record.finished_at == finished_at and record.attempts == 1


def _redis(app):
    url = os.environ.get("DVCQ_TEST_REDIS_URL")
    if url:
        from redis import Redis

        return url, Redis.from_url(url)
    import fakeredis

    return "redis://fake", fakeredis.FakeRedis()


def test_with_redis_the_job_goes_through_an_rq_queue_and_a_worker(world, app, monkeypatch):
    from rq import Queue, SimpleWorker

    url, conn = _redis(app)
    conn.flushall()
    app.config.update(JOBS_INLINE=False, REDIS_URL=url)
    monkeypatch.setattr(jobs, "redis_connection", lambda app: conn)
    scope = Scope(world.district_id)
    with scoped(scope):
        record = jobs.enqueue("platform.selftest", scope=scope, unit_id=world.district_id, steps=2)
    assert record.status == JobStatus.QUEUED
    queue = Queue(record.queue, connection=conn)
    assert queue.count == 1
    SimpleWorker([queue], connection=conn).work(burst=True)
    db.session.expire_all()
    done = db.session.execute(
        select(JobRecord).where(JobRecord.id == record.id).execution_options(all_tenants=True)
    ).scalar_one()
    assert done.status == JobStatus.FINISHED and done.result_data == {"steps": 2}


def test_when_redis_is_down_the_job_is_delayed_not_lost_and_requeued_later(world, app, runner):
    app.config.update(JOBS_INLINE=False, REDIS_URL="redis://127.0.0.1:1/0")
    scope = Scope(world.district_id)
    with scoped(scope):
        record = jobs.enqueue("platform.selftest", scope=scope, unit_id=world.district_id)
    assert record.status == JobStatus.DELAYED
    assert "sẽ được chạy lại" in record.message
    app.config.update(JOBS_INLINE=True, REDIS_URL=None)  # the queue is back
    result = runner.invoke(args=["dvcq", "jobs", "requeue"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    again = db.session.execute(
        select(JobRecord).where(JobRecord.id == record.id).execution_options(all_tenants=True)
    ).scalar_one()
    assert again.status == JobStatus.FINISHED


@pytest.mark.parametrize("status", [JobStatus.FINISHED, JobStatus.FAILED])
def test_the_progress_component_renders_the_final_state(world, browser, status):
    scope = Scope(world.district_id, world.a_id)
    with scoped(scope):
        record = jobs.enqueue("platform.selftest", scope=scope, unit_id=world.a_id, fail=status == JobStatus.FAILED)
    browser.login(world.officer_a)
    page = browser.get(f"/cong-viec/{record.id}/xem").get_data(as_text=True)
    assert f'data-status="{status}"' in page
    assert f'data-job-url="/cong-viec/{record.id}"' in page
