"""Who may see and change a unit's evidence (tài liệu kiểm chứng): the permission checks and the small helpers
the library, uploads and citations share."""

from __future__ import annotations

from sqlalchemy import select

from dvcq.platform.auth.models import Role
from dvcq.platform.errors import MESSAGES, NotFound
from dvcq.platform.extensions import db
from dvcq.platform.permissions import require
from dvcq.scoring.evidence.file_checks import META_LABELS
from dvcq.scoring.models import Evidence
from dvcq.scoring.results.access import reads_unit
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
    """A unit whose library `actor` may read (the one rule, `results.access.reads_unit`): their own (officer/leader),
    or a member unit of their authority (secretariat, leadership; an appraiser only a unit assigned to them in a
    campaign not yet published). Any other is as missing as a unit that never was — an appraiser not assigned to it
    included, so that who is assigned to what cannot be learnt from a difference in the answer."""
    require(actor, *READER_ROLES)
    unit = db.session.get(Unit, unit_id)
    if unit is None or not reads_unit(actor, unit.id):
        raise NotFound(NOT_FOUND)
    return unit


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
