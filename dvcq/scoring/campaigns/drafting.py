"""Creating a campaign in draft and editing it: name, the criteria version of each group (pinned), participants and
stage deadlines. Participation is one Assessment row per unit from creation on; units see nothing of a campaign still
in draft. A group's version may change while the campaign is a draft, never after it opens."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import Conflict, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date, vn_datetime
from dvcq.platform.permissions import require
from dvcq.platform.transactions import commit_or_conflict
from dvcq.scoring.campaigns.overview import eligible_units
from dvcq.scoring.campaigns.services import (
    CAMPAIGN_CONFLICT,
    DEADLINE_FIELDS,
    DEADLINE_LABELS,
    _check_version,
    authority_of,
    campaign_for,
    end_of_day,
    participants,
)
from dvcq.scoring.models import Assessment, Campaign, CampaignCriteria, CampaignStatus, CriteriaVersion
from dvcq.tenants.models import Unit, UnitGroup


def _lock_version(actor, version: CriteriaVersion) -> None:
    """Pin the criteria version: once a campaign uses it, it cannot change (audited by the criteria service)."""
    from dvcq.scoring.criteria.services import lock_version

    lock_version(actor, version.id)


def _deadline_problems(deadlines: dict[CampaignStatus, date | None]) -> list[str]:
    problems = []
    previous: tuple[CampaignStatus, date] | None = None
    for stage in DEADLINE_FIELDS:
        day = deadlines.get(stage)
        if day is None:
            continue
        if previous and day <= previous[1]:
            problems.append(
                f"{DEADLINE_LABELS[stage]} ({vn_date(day)}) phải sau {DEADLINE_LABELS[previous[0]].lower()} "
                f"({vn_date(previous[1])})."
            )
        previous = (stage, day)
    return problems


def _participant_problems(authority_id: int, unit_ids: list[int]) -> tuple[list[Unit], list[str]]:
    eligible = {u.id: u for g in eligible_units(authority_id) for u in g.units}
    problems = [
        f"Đơn vị mã số {uid} không thuộc danh sách đơn vị được đánh giá." for uid in unit_ids if uid not in eligible
    ]
    return [eligible[uid] for uid in dict.fromkeys(unit_ids) if uid in eligible], problems


def _criteria_choices(
    authority_id: int, criteria: Mapping[int, int | None]
) -> tuple[dict[int, CriteriaVersion], list[str]]:
    """The chosen version of each group ({group id: version}, groups left empty omitted), and what is wrong: a group
    or a version that is not the authority's, or no version chosen at all."""
    groups = {
        g.id: g for g in db.session.execute(select(UnitGroup).where(UnitGroup.authority_id == authority_id)).scalars()
    }
    wanted = {group_id: version_id for group_id, version_id in criteria.items() if version_id}
    versions = {
        v.id: v
        for v in db.session.execute(
            select(CriteriaVersion).where(
                CriteriaVersion.id.in_(set(wanted.values())), CriteriaVersion.authority_id == authority_id
            )
        ).scalars()
    }
    chosen, problems = {}, []
    for group_id, version_id in wanted.items():
        if group_id not in groups:
            problems.append(f"Khối mã số {group_id} không thuộc cơ quan đánh giá.")
        elif version_id not in versions:
            problems.append(f"Bộ tiêu chí chọn cho «{groups[group_id].name}» không thuộc cơ quan đánh giá.")
        else:
            chosen[group_id] = versions[version_id]
    if not wanted:
        problems.append("Vui lòng chọn bộ tiêu chí áp dụng cho từng khối của kỳ đánh giá.")
    return chosen, problems


def criteria_summary(campaign: Campaign) -> dict[str, int]:
    """{group name: version id}, for the audit log."""
    return {c.group.name: c.version_id for c in campaign.criteria_sets}


def _set_criteria(actor, campaign: Campaign, chosen: dict[int, CriteriaVersion], *, new: bool = False) -> None:
    """Make the campaign's choices exactly `chosen` and pin (lock) every version it uses. A change bumps the
    campaign's version counter, so a form opened before it is refused as stale."""
    current = {c.group_id: c for c in campaign.criteria}
    changed = False
    for group_id, choice in current.items():
        if group_id not in chosen:
            campaign.criteria.remove(choice)
            changed = True
    for group_id, version in chosen.items():
        choice = current.get(group_id)
        if choice is None:
            campaign.criteria.append(
                CampaignCriteria(authority_id=campaign.authority_id, group_id=group_id, version_id=version.id)
            )
            changed = True
        elif choice.version_id != version.id:
            choice.version_id = version.id
            changed = True
    if changed and not new:
        flag_modified(campaign, "name")
    db.session.flush()
    for version in {v.id: v for v in chosen.values()}.values():
        _lock_version(actor, version)


def _refuse_criteria_change(campaign: Campaign, chosen: dict[int, CriteriaVersion]) -> None:
    """Once the campaign is open its units score the items of their group's version: changing it is refused,
    naming the group."""
    current = {c.group_id: c for c in campaign.criteria}
    changed = [
        current[g].group.name if g in current else db.session.get(UnitGroup, g).name
        for g in sorted(set(current) | set(chosen))
        if (current[g].version_id if g in current else None) != (chosen[g].id if g in chosen else None)
    ]
    if changed:
        names = ", ".join(f"«{name}»" for name in changed)
        raise Conflict(
            f"Kỳ đánh giá đã bắt đầu tự đánh giá nên không đổi được bộ tiêu chí của {names}: các đơn vị đã chấm "
            "theo bộ tiêu chí đã chọn khi mở kỳ đánh giá."
        )


def _name_problems(name: str) -> list[str]:
    if not name:
        return ["Tên kỳ đánh giá không được để trống."]
    if len(name) > 300:
        return ["Tên kỳ đánh giá dài quá 300 ký tự."]
    return []


def _deadline_values(campaign: Campaign) -> dict[str, str]:
    return {stage.value: vn_datetime(getattr(campaign, f)) for stage, f in DEADLINE_FIELDS.items()}


def create_campaign(
    actor,
    *,
    year: int,
    name: str,
    criteria: Mapping[int, int | None] | None,
    unit_ids: list[int],
    deadlines: dict[CampaignStatus, date | None],
) -> Campaign:
    """Create a campaign in draft, pin (lock) the criteria version of each group (`criteria`: {group id: version
    id}; a group may be left empty until the campaign opens) and record the participating units. Every problem is
    listed at once; nothing is written unless all is well."""
    require(actor, Role.SECRETARIAT)
    authority_id = authority_of(actor)
    name = (name or "").strip()
    problems = _name_problems(name)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        problems.append(f"Năm đánh giá «{year}» không hợp lệ.")
    elif db.session.execute(
        select(Campaign.id).where(Campaign.authority_id == authority_id, Campaign.year == year)
    ).first():
        problems.append(f"Đã có kỳ đánh giá năm {year}; mỗi năm chỉ có một kỳ đánh giá.")
    chosen, criteria_problems = _criteria_choices(authority_id, criteria or {})
    problems += criteria_problems
    units, unit_problems = _participant_problems(authority_id, unit_ids)
    problems += unit_problems + _deadline_problems(deadlines)
    if problems:
        raise ServiceError("Chưa tạo được kỳ đánh giá. Vui lòng sửa các lỗi sau:", problems)

    campaign = Campaign(
        authority_id=authority_id,
        year=year,
        name=name,
        status=CampaignStatus.DRAFT,
        created_at=clock.now(),
        **{f: end_of_day(deadlines[s]) if deadlines.get(s) else None for s, f in DEADLINE_FIELDS.items()},
    )
    db.session.add(campaign)
    db.session.flush()
    _set_criteria(actor, campaign, chosen, new=True)
    for unit in units:
        db.session.add(Assessment(unit_id=unit.id, campaign_id=campaign.id, group_id=unit.group_id))
    audit.record(
        "campaign.create",
        actor=actor,
        unit_id=authority_id,
        target=campaign,
        after={
            "year": year,
            "name": name,
            "criteria": criteria_summary(campaign),
            "units": sorted(u.code for u in units),
            "deadlines": _deadline_values(campaign),
        },
    )
    db.session.commit()
    return campaign


def update_draft(
    actor,
    campaign_id: int,
    version: int | None,
    *,
    name: str,
    unit_ids: list[int],
    deadlines: dict[CampaignStatus, date | None],
    criteria: Mapping[int, int | None] | None = None,
) -> Campaign:
    """Change a draft campaign's name, deadlines, participants (untick a unit to leave it out) and, when given, the
    criteria version of each group."""
    require(actor, Role.SECRETARIAT)
    campaign = campaign_for(actor, campaign_id)
    _check_version(campaign, version, CAMPAIGN_CONFLICT)
    chosen, criteria_problems = (
        _criteria_choices(campaign.authority_id, criteria) if criteria is not None else (None, [])
    )
    if campaign.status != CampaignStatus.DRAFT:
        if chosen is not None:
            _refuse_criteria_change(campaign, chosen)
        raise Conflict(
            "Kỳ đánh giá đã mở nên không sửa danh sách đơn vị và các mốc thời hạn được nữa; hãy dùng gia hạn."
        )
    name = (name or "").strip()
    units, unit_problems = _participant_problems(campaign.authority_id, unit_ids)
    problems = _name_problems(name) + criteria_problems + unit_problems + _deadline_problems(deadlines)
    if problems:
        raise ServiceError("Chưa lưu được kỳ đánh giá. Vui lòng sửa các lỗi sau:", problems)
    current = {a.unit_id: a for a in participants(campaign)}
    before = {"name": campaign.name, "units": sorted(a.unit.code for a in current.values())}
    before["deadlines"] = _deadline_values(campaign)
    before["criteria"] = criteria_summary(campaign)
    if chosen is not None:
        _set_criteria(actor, campaign, chosen)
    wanted = {u.id: u for u in units}
    for unit_id, assessment in current.items():
        if unit_id not in wanted:
            db.session.delete(assessment)
    for unit_id, unit in wanted.items():
        if unit_id not in current:
            db.session.add(Assessment(unit_id=unit_id, campaign_id=campaign.id, group_id=unit.group_id))
    campaign.name = name
    for stage, f in DEADLINE_FIELDS.items():
        setattr(campaign, f, end_of_day(deadlines[stage]) if deadlines.get(stage) else None)
    after = {"name": name, "units": sorted(u.code for u in units), "deadlines": _deadline_values(campaign)}
    after["criteria"] = criteria_summary(campaign)
    audit.record(
        "campaign.update", actor=actor, unit_id=campaign.authority_id, target=campaign, before=before, after=after
    )
    commit_or_conflict(CAMPAIGN_CONFLICT)
    return campaign
