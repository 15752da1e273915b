"""The decision's default text, from the campaign and the unit tree: issuer, place, trích yếu, the bases the
authority cites every year, articles, recipients and signer. Everything here is a first draft the secretariat edits;
the local-government law is not among it, because it follows the signing date (`signing.law_basis`)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from dvcq.platform.auth.models import Role, User
from dvcq.platform.collation import vn_key
from dvcq.platform.extensions import db
from dvcq.scoring.models import Assessment, Campaign, Decision
from dvcq.tenants.models import Unit, UnitGroup, UnitKind

_PLACE_PREFIXES = ("Thành phố ", "Thị xã ", "Huyện ", "Tỉnh ", "Quận ")
# Member units as a decision counts and names them ("19 xã, thị trấn và 05 cơ quan, đơn vị"), in this order.
_MEMBER_WORDS = (
    (UnitKind.XA, "xã"),
    (UnitKind.PHUONG, "phường"),
    (UnitKind.THI_TRAN, "thị trấn"),
    (UnitKind.DAC_KHU, "đặc khu"),
    (UnitKind.CO_QUAN, "cơ quan, đơn vị"),
)
COMMUNE_KINDS = (UnitKind.XA, UnitKind.PHUONG, UnitKind.THI_TRAN, UnitKind.DAC_KHU)
PARTY_BASIS = (
    "Kết luận số 114-KL/TW ngày 14/7/2015 của Ban Bí thư về nâng cao chất lượng, hiệu quả công tác dân vận của cơ "
    "quan nhà nước, chính quyền các cấp"
)


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
    """(parent line, issuer line): a People's Committee names no parent body above itself (Decree 30/2020/NĐ-CP), so
    the parent line is empty: ("", "ỦY BAN NHÂN DÂN HUYỆN BA TƠ")."""
    return "", f"ỦY BAN NHÂN DÂN {authority.name.upper()}"


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
            "party": "Tỉnh ủy",
            "archive": "Lưu: VT, SNV",
        }
    return {
        "level": "huyện",
        "home_affairs": "Trưởng phòng Nội vụ huyện",
        "follow_up": "Giao Phòng Nội vụ huyện",
        "office": "Chánh Văn phòng HĐND và UBND huyện",
        "heads": "Thủ trưởng các cơ quan, đơn vị thuộc UBND huyện",
        "party": "Huyện ủy",
        "archive": "Lưu: VT, NV",
    }


def kinds_phrase(kinds) -> str:
    """ "xã, thị trấn" for communes and towns; "cơ quan, đơn vị" for agencies."""
    present = set(kinds)
    return ", ".join(words for kind, words in _MEMBER_WORDS if kind in present)


def members_phrase(kinds: list[UnitKind]) -> str:
    """ "19 xã, thị trấn" (two digits below ten: "05 cơ quan, đơn vị")."""
    return f"{len(kinds):02d} {kinds_phrase(kinds)}"


def participants(campaign: Campaign) -> dict[str, list[UnitKind]]:
    """{group name: the kinds of its participating units}, groups in their order."""
    stmt = (
        select(UnitGroup.name, UnitGroup.position, Unit.kind)
        .select_from(Assessment)
        .join(Unit, Unit.id == Assessment.unit_id)
        .outerjoin(UnitGroup, UnitGroup.id == Assessment.group_id)
        .where(Assessment.campaign_id == campaign.id)
        .execution_options(authority_wide=True)
    )
    found: dict[tuple[int, str], list[UnitKind]] = defaultdict(list)
    for name, position, kind in db.session.execute(stmt).all():
        found[(position or 0, name or "")].append(kind)
    return {
        name: kinds for (_, name), kinds in sorted(found.items(), key=lambda pair: (pair[0][0], vn_key(pair[0][1])))
    }


def _subjects(kinds: list[UnitKind]) -> str:
    """Who the regulation assesses, in its title's words: "các cơ quan nhà nước, đơn vị sự nghiệp và UBND các xã, thị
    trấn"."""
    communes = [k for k in kinds if k in COMMUNE_KINDS]
    parts = []
    if UnitKind.CO_QUAN in kinds:
        parts.append("các cơ quan nhà nước, đơn vị sự nghiệp")
    if communes:
        parts.append(f"UBND các {kinds_phrase(communes)}")
    return " và ".join(parts)


def default_summary(year: int, kinds: list[UnitKind] | None = None) -> str:
    subjects = _subjects(kinds or [])
    subjects = f" {subjects}" if subjects else ""
    return f"Về việc phê duyệt kết quả đánh giá, phân loại công tác dân vận chính quyền{subjects} năm {year}"


def default_articles(authority: Unit, campaign: Campaign, groups: dict[str, list[UnitKind]]) -> list[str]:
    words = _wording(authority)
    counted = " và ".join(members_phrase(kinds) for kinds in groups.values() if kinds)
    who = f"đối với {counted} " if counted else ""
    every = [k for kinds in groups.values() for k in kinds]
    communes = kinds_phrase([k for k in every if k in COMMUNE_KINDS])
    makers = (["các cơ quan, đơn vị"] if UnitKind.CO_QUAN in every else []) + (
        [f"Ủy ban nhân dân các {communes}"] if communes else []
    )
    makers_text = " và ".join(makers) or "các đơn vị"
    chairs = f"Chủ tịch UBND các {communes}" if communes else ""
    return [
        f"Phê duyệt kết quả đánh giá, phân loại công tác dân vận chính quyền năm {campaign.year} {who}"
        "(chi tiết tại Phụ lục kèm theo).",
        f"Căn cứ kết quả được phê duyệt tại Điều 1, {makers_text} xây dựng "
        f"Kế hoạch khắc phục, cải thiện và nâng cao Chỉ số Dân vận chính quyền năm {campaign.year + 1}, tập trung "
        "khắc phục các tiêu chí bị trừ điểm; định kỳ báo cáo kết quả thực hiện quý, 6 tháng, 9 tháng và năm. "
        f"{words['follow_up']} theo dõi, hướng dẫn, đôn đốc việc thực hiện.",
        f"Quyết định này có hiệu lực kể từ ngày ký. {words['office']}, {words['home_affairs']}, {words['heads']}"
        + (f" và {chairs}" if chairs else "")
        + " chịu trách nhiệm thi hành Quyết định này./.",
    ]


def default_recipients(authority: Unit) -> list[str]:
    """The decision goes to those who carry it out (Điều 3), for information to the level above ("(b/c)"), to the
    party committee, the council and the Front, onto the website, and into the archive."""
    words = _wording(authority)
    level = words["level"]
    parent = db.session.get(Unit, authority.parent_id) if authority.parent_id else None
    above = (
        [f"UBND {_in_text(parent.name)} (b/c)", f"Sở Nội vụ {_in_text(parent.name)} (b/c)"]
        if parent is not None
        else ["Bộ Nội vụ (b/c)"]
    )
    return [
        "Như Điều 3",
        *above,
        f"TT {words['party']}, TT HĐND {level} (b/c)",
        f"Chủ tịch, các Phó Chủ tịch UBND {level}",
        f"Ban Dân vận {words['party']}",
        f"Ủy ban MTTQ Việt Nam {level}",
        f"Cổng thông tin điện tử {level}",
        words["archive"],
    ]


def default_proposal_by(authority: Unit) -> str:
    return _wording(authority)["home_affairs"]


def carried_over(authority: Unit) -> dict[str, str]:
    """What the authority cited in its latest decision that cited anything — its province's regulation, its own
    guidance, party documents, who proposes — so that next year's draft starts from it."""
    latest = db.session.execute(
        select(Decision)
        .where(Decision.authority_id == authority.id, Decision.amends_id.is_(None), Decision.regulation != "")
        .order_by(Decision.signed_on.desc().nulls_last(), Decision.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if latest is None:
        return {"regulation": "", "guidance": "", "party_bases": PARTY_BASIS, "proposal_by": ""}
    return {
        "regulation": latest.regulation,
        "guidance": latest.guidance,
        "party_bases": latest.party_bases,
        "proposal_by": latest.proposal_by,
    }


def _signer(authority: Unit) -> str:
    """The name of the authority's leadership user (the chairman, as the demo and most deployments set it up)."""
    stmt = (
        select(User.full_name)
        .where(User.unit_id == authority.id, User.role == Role.LEADERSHIP, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )
    return db.session.execute(stmt).scalar_one_or_none() or ""
