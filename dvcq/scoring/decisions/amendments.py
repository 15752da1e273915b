"""Amendments (quyết định điều chỉnh), the only changes after publication: corrected scores, recomputed results and a
new decision linked to the one it amends."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import Conflict, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import points, vn_date
from dvcq.platform.notifications import notify
from dvcq.platform.permissions import require
from dvcq.scoring import engine
from dvcq.scoring.decisions.defaults import _in_text, issuer_in_text
from dvcq.scoring.decisions.drafting import district_signing
from dvcq.scoring.decisions.freeze import amending
from dvcq.scoring.decisions.issuing import _publish_results
from dvcq.scoring.decisions.services import (
    GENERATE_JOB,
    _commit,
    _enqueue,
    _lines,
    _lock,
    _nfc,
    _number_problems,
    _parse_date,
    _participant_users,
    _state,
    articles_of,
    decision_for,
    path_for,
)
from dvcq.scoring.decisions.signing import SignerMode
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
    nodes = {  # (version id, code) → node: each unit's criterion in its own group's version
        (n.version_id, n.code): n
        for n in db.session.execute(
            select(CriteriaNode).where(CriteriaNode.version_id.in_([c.version_id for c in campaign.criteria]))
        ).scalars()
    }
    units, version_of = {}, {}
    for unit, group_id in db.session.execute(
        select(Unit, Assessment.group_id)
        .join(Assessment, Assessment.unit_id == Unit.id)
        .where(Assessment.campaign_id == campaign.id)
    ).all():
        units[unit.code] = unit
        version_of[unit.id] = campaign.version_id_for(group_id)
    resolved, seen = [], set()
    for change in changes:
        where = f"Dòng {change.line}" if change.line else f"{change.unit_code} {change.criterion_code}"
        unit = units.get(change.unit_code) or units.get(change.unit_code.upper())
        node = nodes.get((version_of[unit.id], change.criterion_code)) if unit is not None else None
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
            score = engine.check_score(change.score, node.max_points, node.step, node.method)
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
    day = _parse_date(signed_on, problems) or clock.today_in_vietnam()
    problems += _number_problems(original.authority_id, number, True, signed_on=day)
    refused = district_signing(db.session.get(Unit, original.authority_id), day)
    if refused:
        problems.append(refused)
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
        now = clock.now()
        note = f"Điều chỉnh theo Quyết định số {number}: {reason}"
        lines = []
        for item, score in resolved:
            old = item.result_score
            item.finalize(score, note, actor.id, now)
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
        results = _publish_results(campaign, actor, reads_as=CampaignStatus.FINAL_REVIEW)
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
                f"Về việc điều chỉnh kết quả đánh giá, phân loại công tác dân vận chính quyền năm {campaign.year} "
                f"tại Quyết định số {root.number} ngày {vn_date(root.signed_on)}"
            ),
            legal_bases="\n".join(
                [
                    *_lines(root.legal_bases),
                    f"Căn cứ Quyết định số {root.number} ngày {vn_date(root.signed_on)} của "
                    f"{SignerMode(root.signer_mode).decided_by(issuer_in_text(authority))} {_in_text(root.summary)}",
                ]
            ),
            articles=json.dumps(_amendment_articles(campaign, root, lines, moved, reason), ensure_ascii=False),
            signer_mode=original.signer_mode,
            signer_authority=original.signer_authority,
            signer_title=original.signer_title,
            signer_name=original.signer_name,
            regulation=root.regulation,
            guidance=root.guidance,
            party_bases=root.party_bases,
            proposal_by=root.proposal_by,
            recipients=original.recipients,
            amends_id=original.id,
            amendment_reason=reason,
            issued_at=now,
            issued_by_id=actor.id,
            created_at=now,
        )
        audit.record_new(
            new,
            "decision.amend",
            actor=actor,
            unit_id=new.authority_id,
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
    first = (
        f"Điều chỉnh kết quả đánh giá, phân loại công tác dân vận chính quyền năm {campaign.year} như sau: {changes}."
    )
    if results:
        first += f" Kết quả sau điều chỉnh: {results}"
    first += f" (chi tiết tại Phụ lục kèm theo). Lý do điều chỉnh: {reason.rstrip('.')}."
    return [
        first,
        f"Các nội dung khác của Quyết định số {root.number} ngày {vn_date(root.signed_on)} giữ nguyên hiệu lực.",
        articles_of(root)[-1] if articles_of(root) else "Quyết định này có hiệu lực kể từ ngày ký./.",
    ]
