"""The one clock: the current instant as naive UTC, the form every DateTime column stores.

Everything asks `now()`; `now()` asks `utc()`, so a test freezes time for the whole product by patching `utc` once:
`monkeypatch.setattr(clock, "utc", lambda: datetime(2026, 4, 20, 3, tzinfo=UTC))`.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return datetime.now(UTC)


def now() -> datetime:
    """The current instant as naive UTC."""
    return utc().replace(tzinfo=None)
