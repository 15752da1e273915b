"""How a plan and its reports name their unit and the offices around it: "Ủy ban nhân dân xã Ba Nam" in running text
(never "UBND xã Xã Ba Nam"), "ỦY BAN NHÂN DÂN / XÃ BA NAM" in the header, the level above that receives them
("Phòng Nội vụ huyện", "Sở Nội vụ"), and the period a report covers ("6 tháng đầu năm 2026", never "cả năm năm")."""

from __future__ import annotations

from dvcq.plans.models import Period
from dvcq.tenants.models import Unit, UnitKind

COMMUNE_KINDS = (UnitKind.XA, UnitKind.PHUONG, UnitKind.THI_TRAN, UnitKind.DAC_KHU)
_KIND_WORDS = {UnitKind.XA: "xã", UnitKind.PHUONG: "phường", UnitKind.THI_TRAN: "thị trấn", UnitKind.DAC_KHU: "đặc khu"}
# What a report plans for after its period: "quý II", "6 tháng cuối năm", "quý IV", "năm 2027".
_NEXT = {Period.Q1: "quý II năm {year}", Period.H1: "6 tháng cuối năm {year}", Period.M9: "quý IV năm {year}"}


def is_commune(unit: Unit) -> bool:
    return unit.kind in COMMUNE_KINDS


def in_text(name: str) -> str:
    """ "Xã Ba Nam" → "xã Ba Nam"; an agency's name ("Phòng Nội vụ") keeps its capital."""
    for word in _KIND_WORDS.values():
        if name.lower().startswith(word + " "):
            return word + name[len(word) :]
    return name


def kind_word(unit: Unit) -> str:
    """ "xã", "thị trấn", …; "cơ quan" for an agency."""
    return _KIND_WORDS.get(unit.kind, "cơ quan")


def place(unit: Unit) -> str:
    """ "Ba Nam": the place name the date line starts with."""
    word = _KIND_WORDS.get(unit.kind)
    if word and unit.name.lower().startswith(word + " "):
        return unit.name[len(word) + 1 :]
    return unit.name


def issuer_in_text(unit: Unit) -> str:
    """ "Ủy ban nhân dân xã Ba Nam" for a commune; an agency by its own name."""
    return f"Ủy ban nhân dân {in_text(unit.name)}" if is_commune(unit) else unit.name


def issuer(unit: Unit) -> str:
    """The header's issuer line, before it is laid out: "ỦY BAN NHÂN DÂN XÃ BA NAM" or "PHÒNG NỘI VỤ"."""
    return issuer_in_text(unit).upper()


def parent_line(unit: Unit, authority: Unit | None) -> str:
    """An agency names the committee it belongs to above itself ("UBND HUYỆN BA TƠ"); a committee names none."""
    if is_commune(unit) or authority is None:
        return ""
    return f"UBND {authority.name.upper()}"


def home_affairs(authority: Unit | None) -> str:
    """The office of the level above that follows the plans: "Phòng Nội vụ huyện" or "Sở Nội vụ"."""
    if authority is not None and authority.kind == UnitKind.TINH:
        return "Sở Nội vụ"
    return "Phòng Nội vụ huyện"


def authority_level(authority: Unit | None) -> str:
    return "tỉnh" if authority is not None and authority.kind == UnitKind.TINH else "huyện"


def span(period: Period, year: int) -> str:
    """ "quý I năm 2026", "6 tháng đầu năm 2026", "năm 2026": the period inside a document's sentence or title."""
    text = period.span(year)
    return text[:1].lower() + text[1:]


def next_span(period: Period, year: int) -> str:
    return _NEXT[period].format(year=year) if period in _NEXT else f"năm {year + 1}"


def plan_title(unit: Unit, year: int) -> str:
    """ "Khắc phục, cải thiện và nâng cao Chỉ số Dân vận chính quyền của xã năm 2026"."""
    return f"Khắc phục, cải thiện và nâng cao Chỉ số Dân vận chính quyền của {kind_word(unit)} năm {year}"
