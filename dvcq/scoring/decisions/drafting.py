"""Drafting the decision approving the results (Quyết định phê duyệt kết quả đánh giá, phân loại) and editing the
draft; each change: permission check → change → audit record, in one transaction."""

from __future__ import annotations

import json

from sqlalchemy import select

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import Conflict, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.permissions import require
from dvcq.scoring.campaigns.services import campaign_for
from dvcq.scoring.decisions.defaults import (
    _signer,
    carried_over,
    default_articles,
    default_proposal_by,
    default_recipients,
    default_summary,
    issuer_lines,
    participants,
    short_place,
)
from dvcq.scoring.decisions.freeze import FROZEN_MESSAGE, FrozenError
from dvcq.scoring.decisions.services import (
    EDITABLE,
    _check_version,
    _commit,
    _lines,
    _nfc,
    _number_problems,
    _parse_date,
    _state,
    decision_for,
    decisions_of,
    main_decision,
)
from dvcq.scoring.decisions.signing import SignerMode, signing_problem
from dvcq.scoring.models import CampaignStatus, Decision, DecisionStatus
from dvcq.tenants.models import Unit, UnitKind

TEXT_LIMITS = {
    "number": ("Số quyết định", 60),
    "place": ("Địa danh", 120),
    "issuer_parent": ("Tên cơ quan chủ quản", 200),
    "issuer": ("Tên cơ quan ban hành", 200),
    "signer_name": ("Họ tên người ký", 120),
    "proposal_by": ("Người đề nghị (theo đề nghị của …)", 200),
    "proposal_number": ("Số Tờ trình", 60),
}
# A basis is stored without the verb the document puts before it; a user who typed it anyway is understood.
VERBS = {"regulation": "Căn cứ", "guidance": "Căn cứ", "party_bases": "Thực hiện", "proposal_by": "Theo đề nghị của"}


def _without_verb(text: str, verb: str) -> str:
    text = text.strip()
    if text.lower().startswith(verb.lower() + " "):
        text = text[len(verb) + 1 :].strip()
    return text.rstrip(";.").rstrip()


def district_signing(authority: Unit, day) -> str | None:
    """Why the authority may not sign on `day` (a district after 30/6/2025, any date before 2016), or None."""
    return signing_problem(day, district=authority.kind == UnitKind.HUYEN)


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
    groups = participants(campaign)
    today = clock.today_in_vietnam()
    cited = carried_over(authority)
    mode = SignerMode.COMMITTEE
    decision = Decision(
        authority_id=campaign.authority_id,
        campaign_id=campaign.id,
        status=DecisionStatus.DRAFT,
        number="",
        signed_on=None if district_signing(authority, today) else today,
        place=short_place(authority.name),
        issuer_parent=parent_line,
        issuer=issuer,
        summary=default_summary(campaign.year, [k for kinds in groups.values() for k in kinds]),
        legal_bases="",
        articles=json.dumps(default_articles(authority, campaign, groups), ensure_ascii=False),
        signer_mode=mode.value,
        signer_authority=mode.signature[0],
        signer_title=mode.signature[1],
        signer_name=_signer(authority),
        regulation=cited["regulation"],
        guidance=cited["guidance"],
        party_bases=cited["party_bases"],
        proposal_by=cited["proposal_by"] or default_proposal_by(authority),
        proposal_number="",
        proposal_date=None,
        recipients="\n".join(default_recipients(authority)),
        created_at=clock.now(),
    )
    audit.record_new(decision, "decision.draft", actor=actor, unit_id=campaign.authority_id, after=_state(decision))
    db.session.commit()
    return decision


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
        elif name == "proposal_date":
            values[name] = _parse_date(raw, problems, "Ngày Tờ trình")
        elif name == "signer_mode":
            try:
                values[name] = SignerMode(_nfc(raw) or SignerMode.COMMITTEE).value
            except ValueError:
                problems.append("Hình thức ký không hợp lệ: chọn tập thể Ủy ban, Chủ tịch hoặc Phó Chủ tịch ký thay.")
        elif name == "articles":
            values[name] = [" ".join(a.split()) for a in _lines(raw if isinstance(raw, list | tuple) else [raw])]
        elif name in ("legal_bases", "recipients"):
            values[name] = "\n".join(_lines(raw))
        elif name == "party_bases":
            values[name] = "\n".join(_without_verb(line, VERBS[name]) for line in _lines(raw))
        elif name in VERBS:
            values[name] = _without_verb(_nfc(raw), VERBS[name])
        else:
            values[name] = _nfc(raw)
    if values.get("signed_on") is not None:
        refused = district_signing(db.session.get(Unit, decision.authority_id), values["signed_on"])
        if refused:
            problems.append(refused)
    for name, (label, limit) in TEXT_LIMITS.items():
        if len(values.get(name, "")) > limit:
            problems.append(f"{label} dài quá {limit} ký tự.")
    for name, label in (("issuer", "Tên cơ quan ban hành"), ("place", "Địa danh"), ("summary", "Trích yếu")):
        if name in values and not values[name]:
            problems.append(f"{label} không được để trống.")
    if "recipients" in values and not values["recipients"]:
        problems.append("Cần ít nhất một nơi nhận.")
    if "articles" in values and not values["articles"]:
        problems.append("Quyết định cần có ít nhất Điều 1.")
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
    decision.signer_authority, decision.signer_title = SignerMode(decision.signer_mode).signature
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
