"""The decision approving the results (Quyết định phê duyệt kết quả đánh giá, phân loại): draft, edit, preview, issue
— which publishes and freezes the campaign — and amendments (quyết định điều chỉnh), the only changes after that.

Each change: permission check → change → audit record, in one transaction. Decisions and campaigns are authority-owned
rows, which the tenancy guard does not filter on reads, so every lookup here names the actor's authority.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm.exc import StaleDataError

from dvcq.platform import audit, jobs, queues
from dvcq.platform.errors import MESSAGES, Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import VN, parse_vn_date, points, vn_date
from dvcq.platform.notifications import notify
from dvcq.platform.permissions import require
from dvcq.platform.tenancy import Scope
from dvcq.scoring import engine
from dvcq.scoring.decisions.document import AnnexGroup, AnnexRow, DecisionDocument
from dvcq.scoring.decisions.freeze import FROZEN_MESSAGE, FrozenError, amending
from dvcq.scoring.models import (
    Assessment,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    Decision,
    DecisionStatus,
    ItemScore,
    UnitResult,
)
from dvcq.tenants.models import Role, Unit, UnitGroup, UnitKind, User

NOT_FOUND = MESSAGES[404][1]  # a foreign decision answers exactly like a missing one
STALE = "Quyết định vừa được người khác sửa nên thay đổi của bạn chưa được lưu. Vui lòng tải lại trang và làm lại."
NUMBER_PATTERN = re.compile(r"^\d{1,5}/QĐ-[0-9A-Za-zĐđ][0-9A-Za-zĐđ.\-]*$")
NUMBER_HINT = "ví dụ: 05/QĐ-UBND"
GENERATE_JOB, PREVIEW_JOB = "decisions.generate", "decisions.preview"
TEXT_LIMITS = {
    "number": ("Số quyết định", 60),
    "place": ("Địa danh", 120),
    "issuer_parent": ("Tên cơ quan chủ quản", 200),
    "issuer": ("Tên cơ quan ban hành", 200),
    "signer_authority": ("Thẩm quyền ký", 120),
    "signer_title": ("Chức vụ người ký", 120),
    "signer_name": ("Họ tên người ký", 120),
}
EDITABLE = (
    "number",
    "signed_on",
    "place",
    "issuer_parent",
    "issuer",
    "summary",
    "legal_bases",
    "articles",
    "signer_authority",
    "signer_title",
    "signer_name",
    "recipients",
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def today_in_vietnam() -> date:
    return datetime.now(UTC).astimezone(VN).date()


def _nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", (text or "").strip())


def _lines(text: str | list[str] | tuple[str, ...] | None) -> list[str]:
    items = text if isinstance(text, list | tuple) else (text or "").splitlines()
    return [_nfc(line) for line in items if _nfc(line)]


def path_for(endpoint: str, **values) -> str:
    """A site-relative link that works in a request, a job or the CLI alike."""
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build(endpoint, values)


# ---- reading -----------------------------------------------------------------------------------------------------


def authority_of(user) -> int:
    return Scope.for_unit(user.unit).authority_id


def campaign_for(actor, campaign_id: int) -> Campaign:
    """A campaign of the actor's authority; another authority's campaign is as missing as one that never was."""
    stmt = select(Campaign).where(Campaign.id == campaign_id, Campaign.authority_id == authority_of(actor))
    campaign = db.session.execute(stmt).scalar_one_or_none()
    if campaign is None:
        raise NotFound(NOT_FOUND)
    return campaign


def decision_for(actor, decision_id: int) -> Decision:
    """A decision of the actor's authority. A unit's user sees only issued decisions: a draft is as missing as a
    decision that never was."""
    stmt = select(Decision).where(Decision.id == decision_id, Decision.authority_id == authority_of(actor))
    decision = db.session.execute(stmt).scalar_one_or_none()
    if decision is None or (not actor.role.in_authority and decision.status != DecisionStatus.ISSUED):
        raise NotFound(NOT_FOUND)
    return decision


def decisions_of(actor, campaign: Campaign) -> list[Decision]:
    """The campaign's decisions, the original first, then its amendments in order; drafts only for staff."""
    stmt = select(Decision).where(Decision.campaign_id == campaign.id, Decision.authority_id == authority_of(actor))
    if not actor.role.in_authority:
        stmt = stmt.where(Decision.status == DecisionStatus.ISSUED)
    return list(db.session.execute(stmt.order_by(Decision.amends_id.is_not(None), Decision.id)).scalars())


def campaigns_of(actor) -> list[Campaign]:
    stmt = select(Campaign).where(Campaign.authority_id == authority_of(actor)).order_by(Campaign.year.desc())
    return list(db.session.execute(stmt).scalars())


def main_decision(decisions: list[Decision]) -> Decision | None:
    return next((d for d in decisions if d.amends_id is None), None)


def latest_job(decision: Decision, name: str) -> jobs.JobRecord | None:
    """The newest generation (or preview) job of this decision; its record carries progress, result and error."""
    stmt = (
        select(jobs.JobRecord)
        .where(jobs.JobRecord.name == name, jobs.JobRecord.kwargs == _job_kwargs(decision.id))
        .order_by(jobs.JobRecord.created_at.desc())
        .limit(1)
    )
    return db.session.execute(stmt).scalar_one_or_none()


def _job_kwargs(decision_id: int) -> str:
    return json.dumps({"decision_id": decision_id}, ensure_ascii=False)


def articles_of(decision: Decision) -> list[str]:
    try:
        value = json.loads(decision.articles or "[]")
    except ValueError:
        return []
    return [str(a) for a in value] if isinstance(value, list) else []


# ---- defaults from the campaign and the unit tree ------------------------------------------------------------------

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


# ---- draft and edit ----------------------------------------------------------------------------------------------


def draft(actor, campaign_id: int) -> Decision:
    """The campaign's decision, prefilled from the campaign and the authority: created once, then returned as is."""
    require(actor, Role.SECRETARIAT)
    campaign = campaign_for(actor, campaign_id)
    existing = main_decision(decisions_of(actor, campaign))
    if existing is not None:
        return existing
    if campaign.status == CampaignStatus.PUBLISHED:
        raise FrozenError(FROZEN_MESSAGE)
    blank = db.session.execute(
        select(Decision).where(
            Decision.authority_id == campaign.authority_id, Decision.number == "", Decision.campaign_id != campaign.id
        )
    ).scalar_one_or_none()
    if blank is not None:
        raise Conflict(
            f"Dự thảo quyết định của {blank.campaign.name} chưa có số; hãy nhập số cho dự thảo đó trước khi soạn "
            "dự thảo mới."
        )
    authority = db.session.get(Unit, campaign.authority_id)
    parent_line, issuer = issuer_lines(authority)
    decision = Decision(
        authority_id=campaign.authority_id,
        campaign_id=campaign.id,
        status=DecisionStatus.DRAFT,
        number="",
        signed_on=today_in_vietnam(),
        place=short_place(authority.name),
        issuer_parent=parent_line,
        issuer=issuer,
        summary=default_summary(campaign.year),
        legal_bases="\n".join(default_legal_bases(authority)),
        articles=json.dumps(default_articles(authority, campaign, _group_counts(campaign)), ensure_ascii=False),
        signer_authority="TM. ỦY BAN NHÂN DÂN",
        signer_title="CHỦ TỊCH",
        signer_name=_signer(authority),
        recipients="\n".join(default_recipients(authority)),
        created_at=_now(),
    )
    db.session.add(decision)
    db.session.flush()
    audit.record("decision.draft", actor=actor, unit_id=campaign.authority_id, target=decision, after=_state(decision))
    db.session.commit()
    return decision


def _state(decision: Decision) -> dict:
    return {
        "status": decision.status,
        **{name: getattr(decision, name) for name in EDITABLE if name != "articles"},
        "articles": articles_of(decision),
    }


def _check_version(decision: Decision, version) -> None:
    try:
        seen = int(version)
    except (TypeError, ValueError):
        seen = None
    if seen != decision.version:
        raise Conflict(STALE)


def _number_problems(
    authority_id: int, number: str, required: bool, own_id: int | None = None, signed_on: date | None = None
) -> list[str]:
    """The number's form, and that no other decision of the authority signed the same year holds it: numbering
    restarts every year (Decree 30/2020/NĐ-CP), so last year's "05/QĐ-UBND" does not block this year's."""
    if not number:
        return ["Chưa nhập số quyết định (ví dụ: 05/QĐ-UBND)."] if required else []
    if not NUMBER_PATTERN.match(number):
        return [f"Số quyết định «{number}» không đúng thể thức ({NUMBER_HINT})."]
    year = signed_on.year if signed_on else 0
    stmt = select(Decision.id).where(
        Decision.authority_id == authority_id, Decision.number == number, Decision.number_year == year
    )
    if own_id is not None:
        stmt = stmt.where(Decision.id != own_id)
    taken = db.session.execute(stmt).first()
    if taken:
        when = f" trong năm {year}" if year else ""
        return [f"Số quyết định {number} đã được dùng cho một quyết định khác{when}."]
    return []


def _parse_date(value, problems: list[str], what: str = "Ngày ký") -> date | None:
    if value is None or isinstance(value, date):
        return value
    if not str(value).strip():
        return None
    try:
        return parse_vn_date(str(value))
    except ValueError as exc:
        problems.append(f"{what}: {exc}.")
        return None


def _clean_fields(decision: Decision, fields: dict) -> tuple[dict, list[str]]:
    """The user's fields, normalised (NFC, trimmed, lists one item a line), and every problem with them."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"unknown decision fields: {sorted(unknown)}")
    problems: list[str] = []
    values: dict = {}
    for name in EDITABLE:
        if name not in fields:
            continue
        raw = fields[name]
        if name == "signed_on":
            values[name] = _parse_date(raw, problems)
        elif name == "articles":
            values[name] = [" ".join(a.split()) for a in _lines(raw if isinstance(raw, list | tuple) else [raw])]
        elif name in ("legal_bases", "recipients"):
            values[name] = "\n".join(_lines(raw))
        else:
            values[name] = _nfc(raw)
    for name, (label, limit) in TEXT_LIMITS.items():
        if len(values.get(name, "")) > limit:
            problems.append(f"{label} dài quá {limit} ký tự.")
    for name, label in (("issuer", "Tên cơ quan ban hành"), ("place", "Địa danh"), ("summary", "Trích yếu")):
        if name in values and not values[name]:
            problems.append(f"{label} không được để trống.")
    if "legal_bases" in values and not values["legal_bases"]:
        problems.append("Cần ít nhất một căn cứ ban hành.")
    if "recipients" in values and not values["recipients"]:
        problems.append("Cần ít nhất một nơi nhận.")
    if "articles" in values and not values["articles"]:
        problems.append("Quyết định cần có ít nhất Điều 1.")
    if "signer_authority" in values and not values["signer_authority"]:
        problems.append("Thẩm quyền ký (ví dụ: TM. ỦY BAN NHÂN DÂN) không được để trống.")
    if "number" in values or "signed_on" in values:
        signed_on = values.get("signed_on", decision.signed_on)
        number = values.get("number", decision.number)
        problems += _number_problems(decision.authority_id, number, False, decision.id, signed_on)
    return values, problems


def update(actor, decision_id: int, version, **fields) -> Decision:
    """Save the draft's fields. `version` is the one the user saw: a stale form gets a 409, never an overwrite."""
    require(actor, Role.SECRETARIAT)
    decision = decision_for(actor, decision_id)
    if decision.status == DecisionStatus.ISSUED:
        raise Conflict(
            f"Quyết định số {decision.number} đã ban hành; không sửa được nữa. "
            "Muốn thay đổi kết quả, hãy ban hành quyết định điều chỉnh."
        )
    _check_version(decision, version)
    values, problems = _clean_fields(decision, fields)
    if problems:
        raise ServiceError("Dự thảo quyết định chưa được lưu:", problems)
    before = _state(decision)
    for name, value in values.items():
        setattr(decision, name, json.dumps(value, ensure_ascii=False) if name == "articles" else value)
    after = _state(decision)
    changed = {k for k in after if after[k] != before[k]}
    if not changed:
        return decision
    audit.record(
        "decision.update",
        actor=actor,
        unit_id=decision.authority_id,
        target=decision,
        before={k: before[k] for k in sorted(changed)},
        after={k: after[k] for k in sorted(changed)},
    )
    _commit()
    return decision


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError as err:
        db.session.rollback()
        raise Conflict(STALE) from err


# ---- the document's data -----------------------------------------------------------------------------------------


def annex_groups(campaign: Campaign) -> tuple[AnnexGroup, ...]:
    """The campaign's results per group, in rank order, as the annex prints them."""
    from dvcq.scoring.results.services import sort_rows

    stmt = (
        select(UnitResult, Unit)
        .join(Unit, Unit.id == UnitResult.unit_id)
        .where(UnitResult.campaign_id == campaign.id)
        .execution_options(authority_wide=True)
    )
    groups = db.session.execute(select(UnitGroup).where(UnitGroup.authority_id == campaign.authority_id)).scalars()
    rows = sort_rows([tuple(r) for r in db.session.execute(stmt).all()], list(groups), key=lambda i: (i[0], i[1].code))
    by_group: dict[str, list[AnnexRow]] = {}
    for result, unit in rows:
        members = by_group.setdefault(result.group_name, [])
        rank = engine.format_rank(result.rank, result.rank_of) if result.rank and result.rank_of else ""
        members.append(
            AnnexRow(len(members) + 1, unit.name, result.self_total, result.appraised_total, result.level_name, rank)
        )
    return tuple(AnnexGroup(name, tuple(members)) for name, members in by_group.items())


def document_data(decision: Decision) -> DecisionDocument:
    campaign = decision.campaign
    authority = db.session.get(Unit, decision.authority_id)
    chief = "CHỦ TỊCH"
    return DecisionDocument(
        issuer_parent=decision.issuer_parent,
        issuer=decision.issuer,
        issuer_in_text=issuer_in_text(authority),
        number=decision.number,
        place=decision.place,
        date=decision.signed_on,
        summary=decision.summary,
        authority_line=f"{chief} {decision.issuer}".upper(),
        legal_bases=tuple(_lines(decision.legal_bases)),
        articles=tuple(articles_of(decision)),
        signer_authority=decision.signer_authority,
        signer_title=decision.signer_title,
        signer_name=decision.signer_name,
        recipients=tuple(_lines(decision.recipients)),
        annex_title=f"Kết quả đánh giá, phân loại Chỉ số Dân vận chính quyền năm {campaign.year}",
        annex_groups=annex_groups(campaign),
        draft=decision.status != DecisionStatus.ISSUED,
    )


def download_name(decision: Decision, extension: str) -> str:
    """ "Quyết định 05-QĐ-UBND.docx": the number without its slash, which no file name may hold."""
    number = decision.number.replace("/", "-") or f"du-thao-{decision.id}"
    return f"Quyết định {number}.{extension}"


# ---- preview and generation ----------------------------------------------------------------------------------------


def _enqueue(actor, decision: Decision, name: str, title: str) -> jobs.JobRecord:
    scope = Scope(authority_id=decision.authority_id)
    return jobs.enqueue(
        name,
        scope=scope,
        unit_id=decision.authority_id,
        actor=actor,
        title=title,
        queue=queues.DOCUMENTS,
        decision_id=decision.id,
    )


def preview(actor, decision_id: int) -> jobs.JobRecord:
    """Generate the .docx of the draft (or of the issued decision) without issuing anything, as a job."""
    require(actor, Role.SECRETARIAT)
    decision = decision_for(actor, decision_id)
    label = decision.number or "dự thảo"
    return _enqueue(actor, decision, PREVIEW_JOB, f"Xem trước quyết định {label}")


def regenerate(actor, decision_id: int) -> jobs.JobRecord:
    """Generate the issued decision's files again (after a failed or missing generation)."""
    require(actor, Role.SECRETARIAT)
    decision = decision_for(actor, decision_id)
    if decision.status != DecisionStatus.ISSUED:
        raise Conflict("Chỉ tạo tệp chính thức cho quyết định đã ban hành; với dự thảo, hãy dùng «Xem trước».")
    running = latest_job(decision, GENERATE_JOB)
    if running is not None and running.status in (jobs.JobStatus.QUEUED, jobs.JobStatus.RUNNING):
        return running
    return _enqueue(actor, decision, GENERATE_JOB, f"Tạo tệp Quyết định số {decision.number}")


# ---- issue: publish and freeze -------------------------------------------------------------------------------------


def incomplete_units(campaign: Campaign) -> list[str]:
    """One line per participating unit whose appraisal lacks a score on any leaf (no final and no appraised score,
    or no row at all)."""
    leaves = dict(
        db.session.execute(
            select(CriteriaNode.id, CriteriaNode.code).where(
                CriteriaNode.version_id == campaign.criteria_version_id, CriteriaNode.is_leaf.is_(True)
            )
        ).all()
    )
    participants = db.session.execute(
        select(Assessment.id, Unit.name)
        .join(Unit, Unit.id == Assessment.unit_id)
        .where(Assessment.campaign_id == campaign.id)
        .order_by(Unit.code)
        .execution_options(authority_wide=True)
    ).all()
    scored: dict[int, set[int]] = defaultdict(set)
    rows = db.session.execute(
        select(ItemScore.assessment_id, ItemScore.node_id)
        .join(Assessment, Assessment.id == ItemScore.assessment_id)
        .where(
            Assessment.campaign_id == campaign.id,
            or_(ItemScore.final_score.is_not(None), ItemScore.appraised_score.is_not(None)),
        )
        .execution_options(authority_wide=True)
    ).all()
    for assessment_id, node_id in rows:
        scored[assessment_id].add(node_id)
    problems = []
    for assessment_id, unit_name in participants:
        missing = sorted((leaves[n] for n in set(leaves) - scored[assessment_id]), key=_code_key)
        if missing:
            shown = ", ".join(missing[:8]) + (f" và {len(missing) - 8} tiêu chí khác" if len(missing) > 8 else "")
            problems.append(f"{unit_name}: còn {len(missing)} tiêu chí chưa có điểm thẩm định ({shown}).")
    return problems


def _code_key(code: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in code.split("."))


def _participant_users(campaign: Campaign) -> list[User]:
    """The active users of every unit taking part in the campaign."""
    stmt = (
        select(User)
        .join(Assessment, Assessment.unit_id == User.unit_id)
        .where(Assessment.campaign_id == campaign.id, User.active.is_(True))
        .order_by(User.id)
        .execution_options(authority_wide=True)
    )
    return list(db.session.execute(stmt).scalars())


def _publish_results(campaign: Campaign, actor) -> list[UnitResult]:
    """The final figures: recomputed now, in this transaction, and marked published."""
    from dvcq.scoring.results.services import campaign_results, compute

    compute(campaign.id, actor=actor, commit=False)
    results = campaign_results(campaign.id)
    for row in results:
        if row.campaign_id == campaign.id:
            row.published = True
    db.session.flush()  # before the campaign turns published: the freeze would refuse these rows after
    return results


def _lock(decision: Decision) -> Campaign:
    """Take the campaign's row lock (PostgreSQL; SQLite serialises writers itself) and read the campaign and the
    decision again under it, so two people issuing or amending at the same moment act one after the other."""
    campaign = db.session.execute(
        select(Campaign)
        .where(Campaign.id == decision.campaign_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    db.session.refresh(decision)
    return campaign


def issue(actor, decision_id: int, version) -> Decision:
    """Issue the decision: refuse (nothing changed) unless the campaign is in final review, every unit fully
    appraised and the number set and unused; otherwise, in one transaction, recompute the results, publish them,
    mark the campaign published and the decision issued. The files are generated afterwards, as a job."""
    require(actor, Role.SECRETARIAT)
    decision = decision_for(actor, decision_id)
    campaign = _lock(decision)
    if decision.status == DecisionStatus.ISSUED:
        raise Conflict(
            f"Quyết định số {decision.number} đã được ban hành ngày {vn_date(decision.signed_on)}; "
            "không thể ban hành lại."
        )
    _check_version(decision, version)
    if campaign.status == CampaignStatus.PUBLISHED:
        raise FrozenError(FROZEN_MESSAGE)
    if campaign.status != CampaignStatus.FINAL_REVIEW:
        raise Conflict(
            f"Chỉ ban hành quyết định khi kỳ đánh giá ở giai đoạn «{CampaignStatus.FINAL_REVIEW.label}» "
            f"(hiện tại: «{campaign.status.label}»)."
        )
    incomplete = incomplete_units(campaign)
    if incomplete:
        raise Conflict("Chưa ban hành được: còn đơn vị chưa được thẩm định đầy đủ.", incomplete)
    problems = _number_problems(decision.authority_id, decision.number, True, decision.id, decision.signed_on)
    if decision.signed_on is None:
        problems.append("Chưa nhập ngày ký.")
    if not decision.signer_name.strip():
        problems.append("Chưa nhập họ tên người ký.")
    if not articles_of(decision):
        problems.append("Quyết định chưa có nội dung các điều.")
    if problems:
        raise ServiceError("Chưa ban hành được quyết định:", problems)

    results = _publish_results(campaign, actor)
    now = _now()
    before = campaign.status
    campaign.status, campaign.published_at = CampaignStatus.PUBLISHED, now
    decision.status, decision.issued_at, decision.issued_by_id = DecisionStatus.ISSUED, now, actor.id
    audit.record(
        "decision.issue",
        actor=actor,
        unit_id=decision.authority_id,
        target=decision,
        before={"status": DecisionStatus.DRAFT},
        after=_state(decision),
    )
    audit.record(
        "campaign.publish",
        actor=actor,
        unit_id=campaign.authority_id,
        target=campaign,
        before={"status": before},
        after={"status": campaign.status, "published_at": now, "decision": decision.number, "units": len(results)},
    )
    notify(
        _participant_users(campaign),
        "results.published",
        f"Kết quả đánh giá Chỉ số Dân vận chính quyền năm {campaign.year} đã được công bố theo Quyết định số "
        f"{decision.number} ngày {vn_date(decision.signed_on)}.",
        link=path_for("decisions.campaign", campaign_id=campaign.id),
        dedupe_key=f"decision-issued:{decision.id}",
    )
    _commit()
    _enqueue(actor, decision, GENERATE_JOB, f"Tạo tệp Quyết định số {decision.number}")
    return decision


# ---- amendments ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One corrected leaf: the unit (by code), the criterion (by code) and its new score, as the user typed them."""

    unit_code: str
    criterion_code: str
    score: str
    line: int = 0


def parse_changes(text: str) -> tuple[list[Change], list[str]]:
    """Lines "MÃ ĐƠN VỊ; mã tiêu chí; điểm mới" (";", "|" or a tab between them) → changes, problems."""
    changes, problems = [], []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = _nfc(raw)
        if not line:
            continue
        parts = [p.strip() for p in re.split(r"[;|\t]", line)]
        if len(parts) != 3 or not all(parts):
            problems.append(f"Dòng {number}: cần đúng 3 phần «mã đơn vị; mã tiêu chí; điểm mới», gặp «{line}».")
            continue
        changes.append(Change(parts[0], parts[1], parts[2], number))
    return changes, problems


def _resolve_changes(campaign: Campaign, changes: list[Change]) -> tuple[list[tuple[ItemScore, object]], list[str]]:
    """Each change → (the item score, its new Decimal score), or a problem naming the line. Nothing is changed."""
    problems: list[str] = []
    nodes = {
        n.code: n
        for n in db.session.execute(
            select(CriteriaNode).where(CriteriaNode.version_id == campaign.criteria_version_id)
        ).scalars()
    }
    units = {
        u.code: u
        for u in db.session.execute(
            select(Unit).join(Assessment, Assessment.unit_id == Unit.id).where(Assessment.campaign_id == campaign.id)
        ).scalars()
    }
    resolved, seen = [], set()
    for change in changes:
        where = f"Dòng {change.line}" if change.line else f"{change.unit_code} {change.criterion_code}"
        unit = units.get(change.unit_code) or units.get(change.unit_code.upper())
        node = nodes.get(change.criterion_code)
        if unit is None:
            problems.append(f"{where}: không có đơn vị mã «{change.unit_code}» trong kỳ đánh giá.")
            continue
        if node is None or not node.is_leaf:
            problems.append(f"{where}: «{change.criterion_code}» không phải là tiêu chí chấm điểm của bộ tiêu chí.")
            continue
        if (unit.id, node.id) in seen:
            problems.append(f"{where}: tiêu chí {node.code} của {unit.name} được điều chỉnh hai lần.")
            continue
        seen.add((unit.id, node.id))
        try:
            score = engine.check_step(
                engine.parse_points(change.score),
                node.max_points,
                node.step,
                node.method.value if node.method else engine.METHOD_RANGE,
            )
        except ValueError as exc:
            problems.append(f"{where} ({unit.name}, tiêu chí {node.code}): {exc}.")
            continue
        item = db.session.execute(
            select(ItemScore)
            .join(Assessment, Assessment.id == ItemScore.assessment_id)
            .where(Assessment.campaign_id == campaign.id, Assessment.unit_id == unit.id, ItemScore.node_id == node.id)
            .execution_options(authority_wide=True)
        ).scalar_one_or_none()
        if item is None:
            problems.append(f"{where}: {unit.name} chưa có điểm cho tiêu chí {node.code}.")
            continue
        if item.result_score == score:
            problems.append(
                f"{where}: điểm mới của {unit.name}, tiêu chí {node.code} bằng điểm hiện tại ({points(score)})."
            )
            continue
        resolved.append((item, score))
    return resolved, problems


def _result_state(row: UnitResult) -> dict:
    return {
        "appraised_total": row.appraised_total,
        "level_name": row.level_name,
        "rank": engine.format_rank(row.rank, row.rank_of) if row.rank and row.rank_of else "",
    }


def _recompute_published(campaign: Campaign, actor) -> list[UnitResult]:
    """Recompute a published campaign's results for an amendment. The results service refuses a published campaign,
    so the campaign reads as in final review for the length of the computation — inside this transaction only, never
    committed that way — and is published again before anything else happens."""
    from dvcq.scoring.results.services import campaign_results, compute

    campaign.status = CampaignStatus.FINAL_REVIEW
    try:
        compute(campaign.id, actor=actor, commit=False)
        results = campaign_results(campaign.id)
    finally:
        campaign.status = CampaignStatus.PUBLISHED
    for row in results:
        if row.campaign_id == campaign.id:
            row.published = True
    db.session.flush()
    return results


def amend(
    actor,
    decision_id: int,
    *,
    changes: list[Change] | str,
    reason: str,
    number: str,
    signed_on: date | str | None = None,
) -> Decision:
    """A recorded correction after publication: the named leaves get new final scores, the results are recomputed,
    and a new decision (with the number, the reason and a link to the one it amends) is issued. The original stays
    as it was. Refused whole, with every problem listed, on any bad line."""
    require(actor, Role.SECRETARIAT)
    original = decision_for(actor, decision_id)
    campaign = _lock(original)
    if original.status != DecisionStatus.ISSUED:
        raise Conflict("Chỉ điều chỉnh được quyết định đã ban hành; dự thảo thì sửa trực tiếp.")
    if campaign.status != CampaignStatus.PUBLISHED:
        raise Conflict("Kỳ đánh giá chưa công bố kết quả; chưa có gì để điều chỉnh.")
    problems: list[str] = []
    if isinstance(changes, str):
        changes, problems = parse_changes(changes)
    reason = _nfc(reason)
    number = _nfc(number)
    if not reason:
        problems.append("Chưa nêu lý do điều chỉnh.")
    elif len(reason) > 2000:
        problems.append("Lý do điều chỉnh dài quá 2000 ký tự.")
    day = _parse_date(signed_on, problems) or today_in_vietnam()
    problems += _number_problems(original.authority_id, number, True, signed_on=day)
    if not changes and not problems:
        problems.append("Chưa nêu điểm nào cần điều chỉnh (mỗi dòng: mã đơn vị; mã tiêu chí; điểm mới).")
    resolved, change_problems = _resolve_changes(campaign, changes) if changes else ([], [])
    problems += change_problems
    if problems:
        raise ServiceError("Chưa điều chỉnh được:", problems)
    root = original
    while root.amends_id is not None:
        root = db.session.get(Decision, root.amends_id)

    with amending():
        before_results = {
            r.unit_id: _result_state(r)
            for r in db.session.execute(
                select(UnitResult).where(UnitResult.campaign_id == campaign.id).execution_options(authority_wide=True)
            ).scalars()
        }
        now = _now()
        note = f"Điều chỉnh theo Quyết định số {number}: {reason}"
        lines = []
        for item, score in resolved:
            old = item.result_score
            item.final_score, item.final_note = score, note
            item.finalized_by_id, item.finalized_at = actor.id, now
            audit.record(
                "score.amend",
                actor=actor,
                target=item,
                before={"result_score": old},
                after={"final_score": score, "decision": number},
                reason=reason,
            )
            lines.append((item.assessment.unit, item.node.code, old, score))
        db.session.flush()
        results = _recompute_published(campaign, actor)
        after_results = {r.unit_id: _result_state(r) for r in results if r.campaign_id == campaign.id}
        moved = {u: (before_results.get(u), a) for u, a in after_results.items() if before_results.get(u) != a}
        for unit_id, (before, after) in moved.items():
            audit.record(
                "result.amend",
                actor=actor,
                unit_id=unit_id,
                target_type="UnitResult",
                target_id=f"{campaign.year}:{unit_id}",
                before=before,
                after=after,
                reason=reason,
            )
        authority = db.session.get(Unit, campaign.authority_id)
        new = Decision(
            authority_id=original.authority_id,
            campaign_id=campaign.id,
            status=DecisionStatus.ISSUED,
            number=number,
            signed_on=day,
            place=original.place,
            issuer_parent=original.issuer_parent,
            issuer=original.issuer,
            summary=(
                f"Về việc điều chỉnh kết quả đánh giá, phân loại Chỉ số Dân vận chính quyền năm {campaign.year} "
                f"tại Quyết định số {root.number} ngày {vn_date(root.signed_on)}"
            ),
            legal_bases="\n".join(
                [
                    *_lines(root.legal_bases)[:-1],
                    f"Căn cứ Quyết định số {root.number} ngày {vn_date(root.signed_on)} của "
                    f"{issuer_in_text(authority)} {_in_text(default_summary(campaign.year))};",
                    *_lines(root.legal_bases)[-1:],
                ]
            ),
            articles=json.dumps(_amendment_articles(campaign, root, lines, moved, reason), ensure_ascii=False),
            signer_authority=original.signer_authority,
            signer_title=original.signer_title,
            signer_name=original.signer_name,
            recipients=original.recipients,
            amends_id=original.id,
            amendment_reason=reason,
            issued_at=now,
            issued_by_id=actor.id,
            created_at=now,
        )
        db.session.add(new)
        db.session.flush()
        audit.record(
            "decision.amend",
            actor=actor,
            unit_id=new.authority_id,
            target=new,
            before={"amends": original.number},
            after={**_state(new), "changes": [[u.code, code, old, score] for u, code, old, score in lines]},
            reason=reason,
        )
        affected = {u.id for u, *_ in lines} | set(moved)
        users = [u for u in _participant_users(campaign) if u.unit_id in affected]
        notify(
            users,
            "results.amended",
            f"Kết quả đánh giá năm {campaign.year} được điều chỉnh theo Quyết định số {number}. Lý do: {reason}",
            link=path_for("decisions.campaign", campaign_id=campaign.id),
            dedupe_key=f"decision-amended:{new.id}",
        )
        _commit()
    _enqueue(actor, new, GENERATE_JOB, f"Tạo tệp Quyết định số {new.number}")
    return new


def _amendment_articles(campaign: Campaign, root: Decision, lines, moved, reason: str) -> list[str]:
    units = {u.id: u for u in db.session.execute(select(Unit).where(Unit.id.in_(list(moved) or [0]))).scalars()}
    changes = "; ".join(
        f"{unit.name}, tiêu chí {code}: điểm thẩm định từ {points(old)} thành {points(new)}"
        for unit, code, old, new in lines
    )
    results = "; ".join(
        f"{units[u].name}: tổng điểm {points(after['appraised_total'])}, {after['level_name'].lower()}"
        + (f", xếp hạng {after['rank']}" if after["rank"] else "")
        for u, (_, after) in moved.items()
        if u in units
    )
    first = f"Điều chỉnh kết quả đánh giá, phân loại Chỉ số Dân vận chính quyền năm {campaign.year} như sau: {changes}."
    if results:
        first += f" Kết quả sau điều chỉnh: {results}"
    first += f" (chi tiết tại Phụ lục kèm theo). Lý do điều chỉnh: {reason.rstrip('.')}."
    return [
        first,
        f"Các nội dung khác của Quyết định số {root.number} ngày {vn_date(root.signed_on)} giữ nguyên hiệu lực.",
        articles_of(root)[-1] if articles_of(root) else "Quyết định này có hiệu lực kể từ ngày ký./.",
    ]


def can_edit(user) -> bool:
    return user.role == Role.SECRETARIAT
