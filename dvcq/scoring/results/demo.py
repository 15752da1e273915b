"""The demo district's past results (2022–2024) for its 19 communes and 5 agencies, imported through the Past results
importer — the communes classified on the communes' sample set (100 points), the agencies on the agencies' (90
points); for 2022, the two former communes that merged into Xã Ba Thành on 01/01/2023 take its place. Scores are
made up but plausible — deterministic, so every demo shows the same history — around the real case this project
started from: Xã Ba Động self-scored 97,00 in 2023, was appraised 85,50, rank 02/19."""

from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.scoring.models import Campaign, CriteriaVersion, UnitResult
from dvcq.tenants.demo import AGENCIES, COMMUNES, DISTRICT, GROUP_AGENCIES, GROUP_COMMUNES
from dvcq.tenants.models import Unit

YEARS = (2022, 2023, 2024)
QUARTER = Decimal("0.25")
# Fixed points of the story: (unit code, year) → (self, appraised).
FIXED = {
    ("BATO-BDO", 2022): (Decimal("92.50"), Decimal("81.75")),
    ("BATO-BDO", 2023): (Decimal("97.00"), Decimal("85.50")),
    ("BATO-BDO", 2024): (Decimal("95.00"), Decimal("90.50")),
    ("BATO-TT", 2022): (Decimal("93.00"), Decimal("88.00")),
    ("BATO-TT", 2023): (Decimal("94.50"), Decimal("88.25")),
    ("BATO-TT", 2024): (Decimal("96.00"), Decimal("91.25")),
}
BELOW_SECOND = {2023: Decimal("84.75"), 2024: Decimal("90.25")}  # keep Ba Động at rank 2 those years
AGENCY_SCALE = 0.9  # the agencies' set has 90 points: their draws (the same as before it) scaled to it


def _quarter(value: float) -> Decimal:
    return (Decimal(str(value)) / QUARTER).quantize(Decimal("1")) * QUARTER


def _clamp(value: Decimal, low: str, high: Decimal | str) -> Decimal:
    return min(max(value, Decimal(low)), Decimal(high)).quantize(Decimal("0.01"))


def past_results_table() -> list[list[str]]:
    """The Past results sheet the demo imports (ranks and levels left empty: the importer computes them)."""
    rng = random.Random(20231231)
    table = [["Năm", "Mã đơn vị", "Tên đơn vị", "Khối", "Điểm tự chấm", "Điểm thẩm định", "Xếp hạng", "Xếp loại"]]
    members = [(code, name, GROUP_COMMUNES) for code, name, _ in COMMUNES]
    members += [(code, name, GROUP_AGENCIES) for code, name in AGENCIES]
    for code, name, group in members:
        level = rng.uniform(64, 84) if group == GROUP_COMMUNES else rng.uniform(72, 88)
        trend = rng.uniform(-2.5, 3.5)
        for year in YEARS:
            if (code, year) in FIXED:
                self_score, appraised = FIXED[(code, year)]
            elif group == GROUP_COMMUNES:
                appraised = _quarter(level + trend * (year - YEARS[0]) + rng.uniform(-2, 2))
                appraised = _clamp(appraised, "60", BELOW_SECOND.get(year, "95"))
                over = _quarter(rng.choice((0.5, 1.5, 2.5, 4.0, 6.0, 9.0)) + rng.uniform(0, 2))
                self_score = _clamp(appraised + over, "60", "97")
            else:  # as many draws as a commune: the units after it keep their figures
                appraised = _quarter(AGENCY_SCALE * (level + trend * (year - YEARS[0]) + rng.uniform(-2, 2)))
                appraised = _clamp(appraised, "54", "85.5")
                over = _quarter(rng.choice((0.5, 1.5, 2.5, 4.0, 6.0, 9.0)) + rng.uniform(0, 2))
                self_score = _clamp(appraised + over, "54", "88")
            table.append([str(year), code, name, group, f"{self_score:.2f}", f"{appraised:.2f}", "", ""])
    return table


def seed_past_results() -> None:
    from dvcq.scoring.criteria.services import AGENCY_SAMPLE, sample_version
    from dvcq.scoring.results import imports

    district = db.session.execute(select(Unit).where(Unit.code == DISTRICT[0])).scalar_one_or_none()
    if district is None:
        return
    done = db.session.execute(
        select(UnitResult.id).where(UnitResult.authority_id == district.id, UnitResult.year.in_(YEARS)).limit(1)
    ).first()
    taken = db.session.execute(
        select(Campaign.id).where(Campaign.authority_id == district.id, Campaign.year.in_(YEARS)).limit(1)
    ).first()
    version = db.session.execute(
        select(CriteriaVersion.id).where(CriteriaVersion.authority_id == district.id).limit(1)
    ).first()
    if done or taken or version is None:
        return
    communes = db.session.execute(
        select(CriteriaVersion)
        .where(CriteriaVersion.authority_id == district.id, CriteriaVersion.is_sample.is_(True))
        .order_by(CriteriaVersion.id)
        .limit(1)
    ).scalar_one()
    agencies = sample_version(district.id, AGENCY_SAMPLE)
    imports.import_tables(
        {"KetQua": past_results_table()},
        authority=district,
        version=communes,
        by_group={GROUP_AGENCIES: agencies} if agencies is not None else {},
        source="dữ liệu mẫu của bản demo",
    )
