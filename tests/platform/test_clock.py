"""The one clock (dvcq.platform.clock): naive UTC for stored instants, Việt Nam's date for the calendar, and one place
to freeze time in a test."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import dvcq
from dvcq.platform import clock
from dvcq.scoring.selfassessment.rules import deadline_passed, time_left


def test_now_is_naive_utc_and_today_is_the_date_in_vietnam(monkeypatch):
    monkeypatch.setattr(clock, "utc", lambda: datetime(2026, 4, 19, 18, 30, tzinfo=UTC))  # 01:30 on the 20th in VN
    assert clock.now() == datetime(2026, 4, 19, 18, 30) and clock.now().tzinfo is None
    assert clock.today_in_vietnam() == date(2026, 4, 20)


def test_without_freezing_now_is_the_current_instant():
    before = datetime.now(UTC).replace(tzinfo=None)
    assert before <= clock.now() <= datetime.now(UTC).replace(tzinfo=None)


def test_freezing_the_clock_once_freezes_the_product(monkeypatch):
    monkeypatch.setattr(clock, "utc", lambda: datetime(2026, 4, 20, 3, tzinfo=UTC))
    deadline = datetime(2026, 4, 23, 3)
    assessment = SimpleNamespace(self_deadline=None, campaign=SimpleNamespace(self_assessment_deadline=deadline))
    assert time_left(deadline) == "còn 3 ngày" and not deadline_passed(assessment)
    monkeypatch.setattr(clock, "utc", lambda: datetime(2026, 4, 23, 3, 1, tzinfo=UTC))
    assert time_left(deadline) == "đã hết hạn" and deadline_passed(assessment)


def test_no_module_reads_the_time_but_the_clock():
    package = Path(dvcq.__file__).parent
    readers = [
        f"{path.relative_to(package)}:{n}"
        for path in package.rglob("*.py")
        if path.name != "clock.py" or path.parent.name != "platform"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\bdatetime\.(now|utcnow)\(", line)
    ]
    assert readers == []
