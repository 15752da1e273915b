"""Reading an authority's criteria versions for the command line: each version with the groups (khối) and years
that are scored on it, from the campaigns' per-group choices."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from dvcq.platform.collation import vn_key
from dvcq.platform.extensions import db
from dvcq.scoring.models import Campaign, CampaignCriteria, CriteriaVersion
from dvcq.tenants.models import UnitGroup


@dataclass
class VersionUses:
    version: CriteriaVersion
    uses: dict[str, list[int]] = field(default_factory=dict)  # group name → campaign years, groups in their order

    @property
    def locked(self) -> bool:
        """Frozen by a campaign, as the web list says: in use, or pinned by a campaign that forgot to lock it."""
        return self.version.frozen or bool(self.uses)


def versions_with_uses(authority_id: int) -> list[VersionUses]:
    """The authority's versions, oldest first (ids ascending), each with the groups and years scored on it."""
    versions = db.session.execute(
        select(CriteriaVersion).where(CriteriaVersion.authority_id == authority_id).order_by(CriteriaVersion.id)
    ).scalars()
    rows = {version.id: VersionUses(version) for version in versions}
    uses = db.session.execute(
        select(CampaignCriteria.version_id, UnitGroup.name, Campaign.year, UnitGroup.position)
        .join(Campaign, Campaign.id == CampaignCriteria.campaign_id)
        .join(UnitGroup, UnitGroup.id == CampaignCriteria.group_id)
        .where(Campaign.authority_id == authority_id)
    ).all()
    uses.sort(key=lambda row: (row.position or 0, vn_key(row.name), row.year))
    for version_id, group, year, _ in uses:
        if version_id in rows:
            rows[version_id].uses.setdefault(group, []).append(year)
    return list(rows.values())
