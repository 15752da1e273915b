"""Finding a decision or a campaign within the actor's authority (authority-owned rows the tenancy guard does not
filter, so every lookup names the authority), and the checks that drafting, issuing and amending share."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date

from flask import current_app
from sqlalchemy import select

from dvcq.platform import jobs, queues
from dvcq.platform.auth.models import Role, User
from dvcq.platform.errors import MESSAGES, NotFound
from dvcq.platform.extensions import db
from dvcq.platform.formatting import parse_vn_date
from dvcq.platform.tenancy import Scope
from dvcq.platform.transactions import check_version, commit_or_conflict
from dvcq.scoring.models import Assessment, Campaign, Decision, DecisionStatus
from dvcq.scoring.results.access import authority_of, sees_unpublished

NOT_FOUND = MESSAGES[404][1]  # a foreign decision answers exactly like a missing one
STALE = "Quyết định vừa được người khác sửa nên thay đổi của bạn chưa được lưu. Vui lòng tải lại trang và làm lại."
NUMBER_PATTERN = re.compile(r"^\d{1,5}/QĐ-[0-9A-Za-zĐđ][0-9A-Za-zĐđ.\-]*$")
NUMBER_HINT = "ví dụ: 05/QĐ-UBND"
GENERATE_JOB, PREVIEW_JOB = "decisions.generate", "decisions.preview"
EDITABLE = (
    "number",
    "signed_on",
    "place",
    "issuer_parent",
    "issuer",
    "summary",
    "legal_bases",
    "articles",
    "signer_mode",
    "signer_name",
    "regulation",
    "guidance",
    "party_bases",
    "proposal_by",
    "proposal_number",
    "proposal_date",
    "recipients",
)


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


def decision_for(actor, decision_id: int) -> Decision:
    """A decision of the actor's authority. A draft is for the secretariat, leadership and administrators
    (`access.sees_unpublished`); to a unit's user or an appraiser it is as missing as a decision that never was."""
    stmt = select(Decision).where(Decision.id == decision_id, Decision.authority_id == authority_of(actor))
    decision = db.session.execute(stmt).scalar_one_or_none()
    if decision is None or (decision.status != DecisionStatus.ISSUED and not sees_unpublished(actor)):
        raise NotFound(NOT_FOUND)
    return decision


def decisions_of(actor, campaign: Campaign) -> list[Decision]:
    """The campaign's decisions, the original first, then its amendments in order; drafts only for the secretariat,
    leadership and administrators (`access.sees_unpublished`)."""
    stmt = select(Decision).where(Decision.campaign_id == campaign.id, Decision.authority_id == authority_of(actor))
    if not sees_unpublished(actor):
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


def can_edit(user) -> bool:
    return user.role == Role.SECRETARIAT


# ---- shared by the changes ---------------------------------------------------------------------------------------


def _state(decision: Decision) -> dict:
    return {
        "status": decision.status,
        **{name: getattr(decision, name) for name in EDITABLE if name != "articles"},
        "articles": articles_of(decision),
    }


def _check_version(decision: Decision, version) -> None:
    check_version(decision, version, STALE)


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


def _commit() -> None:
    commit_or_conflict(STALE)


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
