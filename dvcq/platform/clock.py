"""The one clock: the current instant as naive UTC (the form every DateTime column stores), and today in Việt Nam.

Everything asks `clock.now()` or `clock.today_in_vietnam()`; both ask `utc()`, so a test freezes time for the whole
product by patching `utc` once: `monkeypatch.setattr(clock, "utc", lambda: datetime(2026, 4, 20, 3, tzinfo=UTC))`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from dvcq.platform.formatting import VN


def utc() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return datetime.now(UTC)


def now() -> datetime:
    """The current instant as naive UTC."""
    return utc().replace(tzinfo=None)


def today_in_vietnam() -> date:
    """Today's date in Việt Nam: report windows, lateness and a decision's date go by it, never the browser's."""
    return utc().astimezone(VN).date()
