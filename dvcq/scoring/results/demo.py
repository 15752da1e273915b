"""Huyện Ba Tơ's past results (2021–2023) for its 19 communes and 5 agencies, imported through the Past results
importer as a district would type them: each year with the decision that approved it (Số quyết định, Ngày quyết
định) and a TheoLinhVuc sheet of self and appraised points per area that add up to the year's totals. The communes are
classified on the communes' sample set (100 points), the agencies on the agencies' (90 points).

The case this project started from is exact: Xã Ba Nam self-scored 97,00 in 2023, was appraised 85,50 («Hoàn thành
tốt»), rank 02/19, by Quyết định số 3807/QĐ-UBND ngày 29/12/2023 of UBND huyện Ba Tơ; most of the points it lost are
in three areas (administrative reform, citizens' reception and complaints, «Dân vận khéo»), which its 2024 plan takes
up. Every other figure and the other years' decision numbers are made up but plausible — deterministic, so every demo
shows the same history."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date
from dvcq.scoring.models import Campaign, CriteriaVersion, UnitResult
from dvcq.tenants.demo import DISTRICT, DISTRICT_AGENCIES, DISTRICT_COMMUNES, GROUP_AGENCIES, GROUP_COMMUNES
from dvcq.tenants.models import Unit

YEARS = (2021, 2022, 2023)
# The decision of UBND huyện Ba Tơ that approved each year's results (2023: the real one).
DECISIONS = {
    2021: ("3672/QĐ-UBND", date(2021, 12, 27)),
    2022: ("3915/QĐ-UBND", date(2022, 12, 28)),
    2023: ("3807/QĐ-UBND", date(2023, 12, 29)),
}
QUARTER = Decimal("0.25")
ZERO = Decimal("0.00")
# Fixed points of the story: (unit code, year) → (self, appraised).
FIXED = {
    ("BATO-BNA", 2021): (Decimal("92.00"), Decimal("80.25")),
    ("BATO-BNA", 2022): (Decimal("94.50"), Decimal("83.00")),
    ("BATO-BNA", 2023): (Decimal("97.00"), Decimal("85.50")),
    ("BATO-TT", 2021): (Decimal("91.50"), Decimal("86.00")),
    ("BATO-TT", 2022): (Decimal("93.00"), Decimal("88.00")),
    ("BATO-TT", 2023): (Decimal("94.50"), Decimal("88.25")),
    ("BATO-BDO", 2021): (Decimal("86.75"), Decimal("78.50")),
    ("BATO-BDO", 2022): (Decimal("88.00"), Decimal("80.75")),
    ("BATO-BDO", 2023): (Decimal("89.50"), Decimal("82.25")),
}
BELOW_BA_NAM = {2023: Decimal("85.25")}  # the other communes that year: Ba Nam stays second, after Thị trấn Ba Tơ
# Ba Nam 2023 per area, (self, appraised), as the seed plan reads them: of the 14,50 points below the maximum, 10,50
# are lost in areas 2 (cải cách hành chính), 4 (tiếp công dân, giải quyết khiếu nại) and 6 («Dân vận khéo»).
BA_NAM_2023_AREAS = {
    "1": ("14.00", "13.50"),
    "2": ("15.50", "12.00"),
    "3": ("12.00", "11.50"),
    "4": ("13.50", "10.50"),
    "5": ("15.50", "15.00"),
    "6": ("9.50", "7.00"),
    "7": ("10.00", "9.50"),
    "8": ("7.00", "6.50"),
}
AGENCY_SCALE = 0.9  # the agencies' set has 90 points: their draws (the same as a commune's) scaled to it


def _quarter(value: float) -> Decimal:
    return (Decimal(str(value)) / QUARTER).quantize(Decimal("1")) * QUARTER


def _clamp(value: Decimal, low: str, high: Decimal | str) -> Decimal:
    return min(max(value, Decimal(low)), Decimal(high)).quantize(Decimal("0.01"))


def _spread(lost: Decimal, room: dict[str, Decimal], rng: random.Random) -> dict[str, Decimal]:
    """`lost` points taken from the areas a quarter at a time, at random, none beyond its `room`."""
    taken = dict.fromkeys(room, ZERO)
    while lost > 0:
        open_areas = [a for a in room if taken[a] + QUARTER <= room[a]]
        step = min(QUARTER * rng.randint(1, 4), lost)
        area = rng.choice(open_areas)
        step = min(step, room[area] - taken[area])
        taken[area] += step
        lost -= step
    return taken


def _areas(
    maxima: dict[str, Decimal], self_total: Decimal, appraised: Decimal, rng: random.Random
) -> dict[str, tuple[Decimal, Decimal]]:
    """Area → (self, appraised) adding up to the totals: the unit loses some points on its own count and the
    appraisers take more, never giving an area more than the unit claimed."""
    full = sum(maxima.values(), ZERO)
    own_loss = _spread(full - self_total, maxima, rng)
    claimed = {a: maxima[a] - own_loss[a] for a in maxima}
    cut = _spread(self_total - appraised, claimed, rng)
    return {a: (claimed[a], claimed[a] - cut[a]) for a in maxima}


def _figures(rng: random.Random, group: str) -> dict[int, tuple[Decimal, Decimal]]:
    """A unit's (self, appraised) each year: its level, a trend, and how much it over-scores itself."""
    level = rng.uniform(64, 84) if group == GROUP_COMMUNES else rng.uniform(72, 88)
    trend = rng.uniform(-2.5, 3.5)
    figures = {}
    for year in YEARS:
        drawn = level + trend * (year - YEARS[0]) + rng.uniform(-2, 2)
        over = _quarter(rng.choice((0.5, 1.5, 2.5, 4.0, 6.0, 9.0)) + rng.uniform(0, 2))
        if group == GROUP_COMMUNES:
            appraised = _clamp(_quarter(drawn), "60", BELOW_BA_NAM.get(year, "95"))
            figures[year] = (_clamp(appraised + over, "60", "97"), appraised)
        else:
            appraised = _clamp(_quarter(AGENCY_SCALE * drawn), "54", "85.5")
            figures[year] = (_clamp(appraised + over, "54", "88"), appraised)
    return figures


def past_results_tables(
    commune_areas: dict[str, Decimal], agency_areas: dict[str, Decimal]
) -> dict[str, list[list[str]]]:
    """The workbook the demo imports: the results sheet (ranks and levels left empty: the importer computes them)
    with each year's decision, and the TheoLinhVuc sheet of points per area (`*_areas`: area code → maximum)."""
    rng = random.Random(20231229)
    results = [
        ["Năm", "Mã đơn vị", "Tên đơn vị", "Khối", "Điểm tự chấm", "Điểm thẩm định", "Xếp hạng", "Xếp loại"]
        + ["Số quyết định", "Ngày quyết định"]
    ]
    areas = [["Năm", "Mã đơn vị", "Mã lĩnh vực", "Điểm tự chấm", "Điểm thẩm định"]]
    members = [(code, name, GROUP_COMMUNES) for code, name, _ in DISTRICT_COMMUNES]
    members += [(code, name, GROUP_AGENCIES) for code, name in DISTRICT_AGENCIES]
    for code, name, group in members:
        figures = _figures(rng, group)
        maxima = commune_areas if group == GROUP_COMMUNES else agency_areas
        for year in YEARS:
            self_score, appraised = FIXED.get((code, year), figures[year])
            number, signed = DECISIONS[year]
            results.append(
                [str(year), code, name, group, f"{self_score:.2f}", f"{appraised:.2f}", "", "", number, vn_date(signed)]
            )
            if (code, year) == ("BATO-BNA", 2023):
                split = {a: (Decimal(s), Decimal(p)) for a, (s, p) in BA_NAM_2023_AREAS.items()}
            else:
                split = _areas(maxima, self_score, appraised, rng)
            areas += [[str(year), code, area, f"{s:.2f}", f"{p:.2f}"] for area, (s, p) in split.items()]
    return {"KetQua": results, "TheoLinhVuc": areas}


def _normal_areas(version: CriteriaVersion) -> dict[str, Decimal]:
    from dvcq.scoring.results.inputs import engine_inputs

    tree = engine_inputs(version.id).tree
    return {a: tree.max_of[a] for a in tree.normal_areas}


def seed_past_results() -> None:
    from dvcq.scoring.criteria.demo import sample_sets
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
    if done or taken:
        return
    communes, agencies = sample_sets(district)
    imports.import_tables(
        past_results_tables(_normal_areas(communes), _normal_areas(agencies)),
        authority=district,
        version=communes,
        by_group={GROUP_AGENCIES: agencies},
        source="dữ liệu mẫu của bản demo",
    )
