"""The freeze of a published campaign: once the decision is issued no score, explanation, evidence link, assessment
status or result of the campaign may change, except through an amendment (quyết định điều chỉnh).

Three locks, each catching what the one before might miss:
  1. `assert_not_published(campaign)` — services call it before changing anything (a clear 409 for the user);
  2. a `before_flush` listener refusing any insert/update/delete of those rows — so a forgotten check cannot slip;
  3. on PostgreSQL, triggers (migrations 0004 and 0008) refusing the same at the database, even for raw SQL.
The amendment service opens `amending()`, which lifts locks 1–2 for its session and lock 3 for its transaction.
Which tables are frozen is declared once, in `freeze_sql.FROZEN_TABLES`: the listener and the triggers both read it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session

from dvcq.platform.errors import Conflict
from dvcq.platform.extensions import db
from dvcq.scoring.decisions.freeze_sql import BY_ASSESSMENT, BY_CAMPAIGN, BY_ITEM, FROZEN_TABLES, MESSAGE
from dvcq.scoring.models import Assessment, Campaign, CampaignStatus, ItemScore

FROZEN_MESSAGE = MESSAGE
UNPUBLISH_MESSAGE = "Kỳ đánh giá đã công bố kết quả; không thể đưa về giai đoạn trước hay xoá."
AMENDING = "dvcq_amending"  # session.info flag: the amendment service is at work
PG_AMENDING_SETTING = "dvcq.amending"  # the transaction-local setting the PostgreSQL triggers honour
_MODEL_OF_TABLE = {mapper.local_table.name: mapper.class_ for mapper in db.Model.registry.mappers}
FROZEN_MODELS = tuple(_MODEL_OF_TABLE[table] for table in FROZEN_TABLES)
# A row reached through its assessment or its item: the relationship to follow and the parent's model.
_PARENT = {BY_ASSESSMENT: ("assessment", Assessment), BY_ITEM: ("item", ItemScore)}


class FrozenError(Conflict):
    """A change to a published campaign (HTTP 409)."""


def is_amending(session: Session | None = None) -> bool:
    return bool((session or db.session).info.get(AMENDING))


def assert_not_published(campaign: Campaign | int | None) -> None:
    """Raise a 409 (Vietnamese) when the campaign — an object or an id — has published its results. Inside the
    amendment service the check passes: that is the one sanctioned way to change a published campaign."""
    if campaign is None or is_amending():
        return
    if isinstance(campaign, int):
        status = db.session.execute(select(Campaign.status).where(Campaign.id == campaign)).scalar_one_or_none()
    else:
        status = campaign.status
    if status == CampaignStatus.PUBLISHED:
        raise FrozenError(FROZEN_MESSAGE)


@contextlib.contextmanager
def amending(session: Session | None = None) -> Iterator[None]:
    """Lift the freeze for the amendment service, for this session only and until it commits or rolls back."""
    session = session or db.session
    session.info[AMENDING] = True
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config(:name, 'on', true)"), {"name": PG_AMENDING_SETTING})
    try:
        yield
    finally:
        session.info.pop(AMENDING, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _end_amendment(session, *args) -> None:
    session.info.pop(AMENDING, None)


def _campaign_id(session: Session, obj) -> int | None:
    """The campaign a frozen row belongs to: through its foreign keys, or the related objects a pending row was given
    instead (pending rows do not lazy-load their relationships)."""
    if obj is None:
        return None
    way = FROZEN_TABLES[obj.__table__.name]
    if way == BY_CAMPAIGN:
        return obj.campaign_id if obj.campaign_id is not None else getattr(getattr(obj, "campaign", None), "id", None)
    relationship, model = _PARENT[way]
    parent, parent_id = getattr(obj, relationship), getattr(obj, way)
    if parent is None and parent_id is not None:
        parent = session.get(model, parent_id, execution_options={"all_tenants": True})
    return _campaign_id(session, parent)


def _was_or_is_published(campaign: Campaign) -> bool:
    """Published as stored (before this flush) or as it is about to be: either freezes the campaign."""
    history = inspect(campaign).attrs.status.history
    stored = history.deleted[0] if history.deleted else campaign.status
    return CampaignStatus.PUBLISHED in (stored, campaign.status)


def _changed(session: Session, obj, pending: set[int]) -> bool:
    """`pending` holds the ids of the flush's new and deleted objects, built once per flush (session.new/deleted
    build a fresh set on every access: testing membership through them per object was quadratic)."""
    return id(obj) in pending or session.is_modified(obj, include_collections=False)


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_published(session: Session, flush_context, instances) -> None:
    if session.info.get(AMENDING):
        return
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, Campaign) and _unpublishes(session, obj):
            raise FrozenError(UNPUBLISH_MESSAGE)
    new, deleted = list(session.new), list(session.deleted)
    pending = {id(obj) for obj in (*new, *deleted)}
    touched = [
        obj
        for obj in (*new, *session.dirty, *deleted)
        if isinstance(obj, FROZEN_MODELS) and _changed(session, obj, pending)
    ]
    if not touched:
        return
    with session.no_autoflush:
        campaign_ids = {cid for cid in (_campaign_id(session, obj) for obj in touched) if cid is not None}
        for campaign_id in campaign_ids:
            campaign = session.get(Campaign, campaign_id)
            if campaign is not None and _was_or_is_published(campaign):
                raise FrozenError(FROZEN_MESSAGE)


def _unpublishes(session: Session, campaign: Campaign) -> bool:
    history = inspect(campaign).attrs.status.history
    was_published = CampaignStatus.PUBLISHED in (history.deleted or ()) or (
        not history.deleted and campaign.status == CampaignStatus.PUBLISHED
    )
    if not was_published:
        return False
    return campaign in session.deleted or campaign.status != CampaignStatus.PUBLISHED
