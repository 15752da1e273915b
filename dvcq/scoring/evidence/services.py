"""Who may see and change a unit's evidence (tài liệu kiểm chứng): the permission checks and the small helpers
the library, uploads and citations share."""

from __future__ import annotations

from sqlalchemy import or_, select

from dvcq.platform.auth.models import Role
from dvcq.platform.errors import MESSAGES, Forbidden, NotFound
from dvcq.platform.extensions import db
from dvcq.platform.permissions import require
from dvcq.scoring.evidence.file_checks import META_LABELS
from dvcq.scoring.models import AppraisalAssignment, Evidence
from dvcq.tenants.models import Unit

UNIT_ROLES = (Role.OFFICER, Role.LEADER)
READER_ROLES = (Role.OFFICER, Role.LEADER, Role.APPRAISER, Role.SECRETARIAT, Role.LEADERSHIP)

NOT_FOUND = MESSAGES[404][1]  # the generic text: a foreign unit's file answers exactly like a missing one


# ---- who may see what ---------------------------------------------------------------------------------------------


def _unit_staff_of(actor, unit_id: int) -> None:
    """Only the unit's own officer or leader changes its library; any other unit's library is as missing."""
    require(actor, *UNIT_ROLES)
    if actor.unit_id != unit_id:
        raise NotFound(NOT_FOUND)


def visible_unit(actor, unit_id: int) -> Unit:
    """A unit whose library `actor` may read: their own (officer/leader), or a member unit of their authority
    (secretariat, leadership; an appraiser only a unit they are assigned to, in some campaign: "appraisers see the
    units they are assigned to")."""
    require(actor, *READER_ROLES)
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(NOT_FOUND)
    if actor.role in UNIT_ROLES:
        if unit.id != actor.unit_id:
            raise NotFound(NOT_FOUND)
    elif unit.is_authority or unit.authority_id != actor.unit.authority_id:
        raise NotFound(NOT_FOUND)
    elif actor.role == Role.APPRAISER and not _assigned_to(actor, unit.id):
        raise Forbidden("Bạn chưa được phân công thẩm định đơn vị này nên không xem được tài liệu của đơn vị.")
    return unit


def _assigned_to(actor, unit_id: int) -> bool:
    stmt = select(AppraisalAssignment.id).where(
        AppraisalAssignment.appraiser_id == actor.id,
        or_(AppraisalAssignment.unit_id == unit_id, AppraisalAssignment.unit_id.is_(None)),
    )
    return db.session.execute(stmt.limit(1)).first() is not None


def get_evidence(actor, evidence_id: int) -> Evidence:
    """One file the actor may see (through the tenancy guard); anything else is NotFound with the generic text."""
    require(actor, *READER_ROLES)
    evidence = db.session.execute(select(Evidence).where(Evidence.id == evidence_id)).scalar_one_or_none()
    if evidence is None:
        raise NotFound(NOT_FOUND)
    visible_unit(actor, evidence.unit_id)
    return evidence


def _summary(evidence: Evidence) -> dict:
    return {
        "original_name": evidence.original_name,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "content_type": evidence.content_type,
        **{field: getattr(evidence, field) for field in META_LABELS},
    }
