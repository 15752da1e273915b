"""How numbers and dates look to users: a decimal comma (85,50), dates dd/mm/yyyy, times in Vietnam's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def points(value, places: int = 2) -> str:
    if value is None:
        return "—"
    value = Decimal(value)
    text = f"{value:,.{places}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def vn_date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y")


def vn_datetime(value: datetime | None) -> str:
    """A naive datetime is UTC (as stored); shown in Vietnam's time."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(VN).strftime("%H:%M %d/%m/%Y")


def parse_vn_date(text: str) -> date:
    """dd/mm/yyyy (or ISO yyyy-mm-dd from a date input) → date; ValueError with a Vietnamese message."""
    text = (text or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"“{text}” không phải là ngày hợp lệ (dd/mm/yyyy)")


def init_app(app) -> None:
    app.add_template_filter(points, "points")
    app.add_template_filter(vn_date, "vn_date")
    app.add_template_filter(vn_datetime, "vn_datetime")
