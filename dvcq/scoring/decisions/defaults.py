"""The decision's default text, from the campaign and the unit tree: issuer lines, place, legal bases, articles,
recipients and signer."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from dvcq.platform.auth.models import Role, User
from dvcq.platform.extensions import db
from dvcq.scoring.models import Assessment, Campaign
from dvcq.tenants.models import Unit, UnitGroup, UnitKind

_PLACE_PREFIXES = ("Thành phố ", "Thị xã ", "Huyện ", "Tỉnh ", "Quận ")


def short_place(name: str) -> str:
    """ "Huyện Ba Tơ" → "Ba Tơ": the place name printed before the date."""
    for prefix in _PLACE_PREFIXES:
        if name.lower().startswith(prefix.lower()):
            return name[len(prefix) :]
    return name


def _in_text(name: str) -> str:
    """ "Huyện Ba Tơ" → "huyện Ba Tơ", as it reads inside a sentence."""
    return name[:1].lower() + name[1:]


def issuer_lines(authority: Unit) -> tuple[str, str]:
    """(parent line, issuer line) from the unit tree: ("UBND TỈNH QUẢNG NGÃI", "ỦY BAN NHÂN DÂN HUYỆN BA TƠ")."""
    parent = db.session.get(Unit, authority.parent_id) if authority.parent_id else None
    parent_line = f"UBND {parent.name.upper()}" if parent is not None else ""
    return parent_line, f"ỦY BAN NHÂN DÂN {authority.name.upper()}"


def issuer_in_text(authority: Unit) -> str:
    return f"Ủy ban nhân dân {_in_text(authority.name)}"


def _wording(authority: Unit) -> dict[str, str]:
    """The offices named in the default text: a district's Phòng Nội vụ, a province's Sở Nội vụ."""
    if authority.kind == UnitKind.TINH:
        return {
            "level": "tỉnh",
            "home_affairs": "Giám đốc Sở Nội vụ",
            "follow_up": "Giao Sở Nội vụ",
            "office": "Chánh Văn phòng UBND tỉnh",
            "heads": "Thủ trưởng các sở, ban, ngành thuộc UBND tỉnh",
            "communes": "Chủ tịch UBND các xã, phường, đặc khu",
            "party": "Tỉnh ủy",
            "archive": "Lưu: VT, SNV",
        }
    return {
        "level": "huyện",
        "home_affairs": "Trưởng phòng Nội vụ huyện",
        "follow_up": "Giao Phòng Nội vụ huyện",
        "office": "Chánh Văn phòng HĐND và UBND huyện",
        "heads": "Thủ trưởng các cơ quan, đơn vị thuộc UBND huyện",
        "communes": "Chủ tịch UBND các xã, thị trấn",
        "party": "Huyện ủy",
        "archive": "Lưu: VT, NV",
    }


def default_summary(year: int) -> str:
    return f"Về việc phê duyệt kết quả đánh giá, phân loại Chỉ số Dân vận chính quyền năm {year}"


def default_legal_bases(authority: Unit) -> list[str]:
    """A sensible start; the province's guidance is left for the secretariat to complete (its number and date)."""
    words = _wording(authority)
    parent = db.session.get(Unit, authority.parent_id) if authority.parent_id else None
    guidance_by = issuer_in_text(parent) if parent is not None else issuer_in_text(authority)
    return [
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
        "Căn cứ Kết luận số 114-KL/TW ngày 14 tháng 7 năm 2015 của Ban Bí thư về nâng cao chất lượng, hiệu quả "
        "công tác dân vận của cơ quan nhà nước, chính quyền các cấp;",
        f"Căn cứ Hướng dẫn số …/HD-… ngày … tháng … năm … của {guidance_by} về đánh giá, phân loại "
        "Chỉ số Dân vận chính quyền;",
        f"Theo đề nghị của {words['home_affairs']}.",
    ]


def default_articles(authority: Unit, campaign: Campaign, groups: dict[str, int]) -> list[str]:
    words = _wording(authority)
    counted = " và ".join(f"{count} đơn vị {name[:1].lower() + name[1:]}" for name, count in groups.items())
    who = f"đối với {counted} " if counted else ""
    return [
        f"Phê duyệt kết quả đánh giá, phân loại Chỉ số Dân vận chính quyền năm {campaign.year} {who}"
        "(chi tiết tại Phụ lục kèm theo).",
        "Căn cứ kết quả được phê duyệt tại Điều 1, các cơ quan, đơn vị, địa phương xây dựng Kế hoạch khắc phục, "
        f"cải thiện và nâng cao Chỉ số Dân vận chính quyền năm {campaign.year + 1}, tập trung khắc phục các tiêu chí "
        "bị trừ điểm; định kỳ báo cáo kết quả thực hiện hằng quý, 6 tháng, 9 tháng và cả năm. "
        f"{words['follow_up']} theo dõi, hướng dẫn, đôn đốc việc thực hiện.",
        f"Quyết định này có hiệu lực kể từ ngày ký. {words['office']}, {words['home_affairs']}, {words['heads']} và "
        f"{words['communes']} chịu trách nhiệm thi hành Quyết định này./.",
    ]


def default_recipients(authority: Unit) -> list[str]:
    words = _wording(authority)
    level = words["level"]
    return [
        "Như Điều 3;",
        f"Thường trực {words['party']};",
        f"Thường trực HĐND {level};",
        f"Ban Dân vận {words['party']};",
        f"Chủ tịch, các Phó Chủ tịch UBND {level};",
        f"{words['archive']}.",
    ]


def _signer(authority: Unit) -> str:
    """The name of the authority's leadership user (the chairman, as the demo and most deployments set it up)."""
    stmt = (
        select(User.full_name)
        .where(User.unit_id == authority.id, User.role == Role.LEADERSHIP, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )
    return db.session.execute(stmt).scalar_one_or_none() or ""


def _group_counts(campaign: Campaign) -> dict[str, int]:
    stmt = (
        select(UnitGroup.name, UnitGroup.position, Unit.group_id)
        .select_from(Assessment)
        .join(Unit, Unit.id == Assessment.unit_id)
        .outerjoin(UnitGroup, UnitGroup.id == Assessment.group_id)
        .where(Assessment.campaign_id == campaign.id)
    )
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for name, position, _ in db.session.execute(stmt).all():
        if name:
            counts[(position, name)] += 1
    return {name: count for (_, name), count in sorted(counts.items())}
