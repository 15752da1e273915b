"""Issuing the decision, which publishes the results and freezes the campaign, in one transaction; the files are
generated afterwards, as a job."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import or_, select

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role
from dvcq.platform.collation import vn_key
from dvcq.platform.errors import Conflict, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date
from dvcq.platform.notifications import notify
from dvcq.platform.permissions import require
from dvcq.scoring.decisions.drafting import district_signing
from dvcq.scoring.decisions.freeze import FROZEN_MESSAGE, FrozenError
from dvcq.scoring.decisions.services import (
    GENERATE_JOB,
    _check_version,
    _commit,
    _enqueue,
    _lock,
    _number_problems,
    _participant_users,
    _state,
    articles_of,
    decision_for,
    path_for,
)
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
from dvcq.tenants.models import Unit


def incomplete_units(campaign: Campaign) -> list[str]:
    """One line per participating unit whose appraisal lacks a score on any leaf (no final and no appraised score,
    or no row at all)."""
    leaves: dict[int, dict[int, str]] = defaultdict(dict)  # version id → leaf id → code: each unit on its group's
    for node_id, version_id, code in db.session.execute(
        select(CriteriaNode.id, CriteriaNode.version_id, CriteriaNode.code).where(
            CriteriaNode.version_id.in_([c.version_id for c in campaign.criteria]), CriteriaNode.is_leaf.is_(True)
        )
    ).all():
        leaves[version_id][node_id] = code
    participants = sorted(
        db.session.execute(
            select(Assessment.id, Assessment.group_id, Unit.name, Unit.code)
            .join(Unit, Unit.id == Assessment.unit_id)
            .where(Assessment.campaign_id == campaign.id)
            .execution_options(authority_wide=True)
        ).all(),
        key=lambda row: (vn_key(row.name), row.code),
    )
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
    for assessment_id, group_id, unit_name, _ in participants:
        own = leaves[campaign.version_id_for(group_id)]
        missing = sorted((own[n] for n in set(own) - scored[assessment_id]), key=_code_key)
        if missing:
            shown = ", ".join(missing[:8]) + (f" và {len(missing) - 8} tiêu chí khác" if len(missing) > 8 else "")
            problems.append(f"{unit_name}: còn {len(missing)} tiêu chí chưa có điểm thẩm định ({shown}).")
    return problems


PLACEHOLDERS = ("…", "...")
# What the decision prints, with the name the form gives it: nothing is issued with one of these empty (the first
# group) or holding a placeholder left from a template ("Hướng dẫn số …/HD-…").
REQUIRED = {
    "place": "Địa danh",
    "issuer": "Tên cơ quan ban hành",
    "summary": "Trích yếu",
    "regulation": "Căn cứ: Quy định đánh giá, phân loại công tác dân vận chính quyền của tỉnh",
    "proposal_by": "Theo đề nghị của (chức danh người trình)",
    "proposal_number": "Số Tờ trình",
    "signer_name": "Họ tên người ký",
    "recipients": "Nơi nhận",
}
OPTIONAL = {
    "issuer_parent": "Tên cơ quan chủ quản",
    "number": "Số quyết định",
    "guidance": "Căn cứ: Hướng dẫn của cơ quan đánh giá",
    "legal_bases": "Căn cứ khác",
    "party_bases": "Văn bản của Đảng (Thực hiện …)",
}


def blanks(decision: Decision) -> list[str]:
    """Every empty required field and every placeholder left in what the decision prints, each named as the form
    names it (Vietnamese); the signing date checked for the authority's level. Empty: the text can be issued."""
    problems = [f"Chưa nhập «{label}»." for name, label in REQUIRED.items() if not getattr(decision, name).strip()]
    if decision.signed_on is None:
        problems.append("Chưa nhập ngày ký.")
    else:
        refused = district_signing(db.session.get(Unit, decision.authority_id), decision.signed_on)
        if refused:
            problems.append(refused)
    if decision.proposal_date is None:
        problems.append("Chưa nhập «Ngày Tờ trình».")
    articles = articles_of(decision)
    if not articles:
        problems.append("Quyết định chưa có nội dung các điều.")
    texts = {name: getattr(decision, name) for name in (*REQUIRED, *OPTIONAL)}
    labels = {**REQUIRED, **OPTIONAL}
    texts.update({f"article_{i}": text for i, text in enumerate(articles, start=1)})
    labels.update({f"article_{i}": f"Điều {i}" for i in range(1, len(articles) + 1)})
    for name, text in texts.items():
        if any(mark in text for mark in PLACEHOLDERS):
            problems.append(f"«{labels[name]}» còn chỗ trống «…» chưa điền: {_around_placeholder(text)}")
    return problems


def _around_placeholder(text: str) -> str:
    at = min(i for i in (text.find(m) for m in PLACEHOLDERS) if i >= 0)
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    line = text[line_start : line_end if line_end >= 0 else len(text)].strip()
    return line if len(line) <= 120 else line[:117] + "…"


def _code_key(code: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in code.split("."))


def _publish_results(campaign: Campaign, actor, *, reads_as: CampaignStatus | None = None) -> list[UnitResult]:
    """The final figures: recomputed now, in this transaction, and marked published. `reads_as`: the status the
    campaign reads as for the length of the computation only (an amendment recomputes a published campaign, which the
    results service refuses) — inside this transaction, never committed that way."""
    from dvcq.scoring.results.compute import campaign_results, compute

    status = campaign.status
    campaign.status = reads_as or status
    try:
        compute(campaign.id, actor=actor, commit=False)
        results = campaign_results(campaign.id)
    finally:
        campaign.status = status
    for row in results:
        if row.campaign_id == campaign.id:
            row.published = True
    db.session.flush()  # before the campaign turns published: the freeze would refuse these rows after
    return results


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
    problems += blanks(decision)
    if problems:
        raise ServiceError("Chưa ban hành được quyết định:", problems)

    results = _publish_results(campaign, actor)
    now = clock.now()
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
