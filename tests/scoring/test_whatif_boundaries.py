"""What-if answers at their exact boundaries (Decimal): equal points share a rank, scores move in whole steps read
from the criteria (0,25 when none is stored), and no answer asks for more than the unit can still gain. The class
levels are the shipped sample set's (dvcq/scoring/data/xep_loai_mau.csv)."""

from __future__ import annotations

import csv
from decimal import Decimal as D
from pathlib import Path

import pytest

from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring import engine
from dvcq.scoring.engine import CriteriaNode, Level, RankEntry, RankWhatIf, Rules, WhatIf
from dvcq.scoring.results.compute import compute
from dvcq.scoring.results.whatif import WhatIfAnswer, describe_next_rank, describe_what_if, what_if
from tests.scoring.criteria_factories import make_version
from tests.scoring.results_factories import add_assessment, make_campaign

SAMPLE_LEVELS = Path(__file__).resolve().parents[2] / "dvcq" / "scoring" / "data" / "xep_loai_mau.csv"


def sample_rules() -> Rules:
    with SAMPLE_LEVELS.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    return Rules(tuple(Level(int(r["Mức"]), r["Tên"], D(r["Điểm từ"].replace(",", "."))) for r in rows))


RULES = sample_rules()
XUAT_SAC, TOT, HOAN_THANH, _ = (level.name for level in RULES.levels)
TREE = (
    CriteriaNode("1", None, "Lĩnh vực 1", None),
    CriteriaNode("1.1", "1", "Tiêu chí 1.1", D("50")),
    CriteriaNode("2", None, "Lĩnh vực 2", None),
    CriteriaNode("2.1", "2", "Tiêu chí 2.1", D("50")),
)


def scores(total: str) -> dict[str, D]:
    """Scores of TREE adding up to `total`: 1.1 first, the rest on 2.1."""
    first = min(D(total), D("50"))
    return {"1.1": first, "2.1": D(total) - first}


def test_the_sample_levels_are_90_70_50_and_0():
    assert [(lv.name, lv.min_points) for lv in RULES.levels] == [
        ("Hoàn thành xuất sắc nhiệm vụ", D("90.00")),
        ("Hoàn thành tốt nhiệm vụ", D("70.00")),
        ("Hoàn thành nhiệm vụ", D("50.00")),
        ("Không hoàn thành nhiệm vụ", D("0.00")),
    ]


@pytest.mark.parametrize(
    ("total", "target", "needed"),
    [
        ("69.75", TOT, "0.25"),  # one step below the threshold: one step, never 0,26
        ("70.00", XUAT_SAC, "20.00"),  # exactly on 70,00 it is already "tốt": the next level is 90,00
        ("89.75", XUAT_SAC, "0.25"),
        ("49.75", HOAN_THANH, "0.25"),
        ("85.00", XUAT_SAC, "5.00"),
    ],
)
def test_the_next_level_at_its_threshold_needs_exactly_the_gap(total, target, needed):
    answer = engine.points_to_next_level(TREE, RULES, scores(total))
    assert (answer.target.name, answer.needed, answer.reachable) == (target, D(needed), True)
    assert engine.classify(D(total) + answer.needed, RULES).level.name == target  # thresholds are inclusive
    assert engine.classify(D(total) + answer.needed - D("0.25"), RULES).level.name != target  # one step short


def test_the_best_level_at_exactly_90_has_no_next_level():
    assert engine.points_to_next_level(TREE, RULES, scores("90.00")) is None


def test_a_gap_off_the_steps_is_rounded_up_to_a_whole_step():
    assert engine.points_to_next_level(TREE, RULES, scores("69.90"), step=D("0.25")).needed == D("0.25")
    assert engine.points_to_next_level(TREE, RULES, scores("69.00"), step=D("1.50")).needed == D("1.50")


def entries(*totals: str) -> list[RankEntry]:
    return [RankEntry(f"u{i}", D(t)) for i, t in enumerate(totals)]


def test_equalling_the_unit_above_is_enough_because_equal_points_share_the_rank():
    group = entries("85.50", "88.75", "80.00")
    answer = engine.points_to_next_rank(group, "u0", RULES)
    assert answer == RankWhatIf(1, 3, D("3.25"), True)  # 3,25: never 3,26
    tied = engine.rank(entries("88.75", "88.75", "80.00"), RULES)
    assert tied["u0"].display == tied["u1"].display == "01/03"


def test_one_step_short_of_the_unit_above_keeps_the_rank():
    assert engine.rank(entries("88.50", "88.75", "80.00"), RULES)["u0"].display == "02/03"


def test_the_rank_above_a_tie_is_the_shared_rank():
    answer = engine.points_to_next_rank(entries("70.00", "71.00", "71.00", "95.00"), "u0", RULES)
    assert (answer.target, answer.needed) == (2, D("1.00"))  # 02/04 shared by both 71,00: never 71,01


def test_the_points_still_available_bound_the_answer():
    exactly = engine.points_to_next_rank(entries("97.00", "100.00"), "u0", RULES, maximum=D("100.00"))
    assert exactly == RankWhatIf(1, 2, D("3.00"), True, D("3.00"))
    beyond = engine.points_to_next_rank(entries("97.00", "100.25"), "u0", RULES, maximum=D("100.00"))
    assert beyond == RankWhatIf(1, 2, D("3.25"), False, D("3.00"))


def test_under_the_areas_tie_break_equal_totals_need_one_step_more():
    rules = Rules(RULES.levels, tie_break=engine.TIE_BREAK_AREAS)
    group = [RankEntry("u0", D("90"), (D("40"), D("50"))), RankEntry("u1", D("90"), (D("50"), D("40")))]
    assert engine.points_to_next_rank(group, "u0", rules, maximum=D("100")) == RankWhatIf(
        1, 2, D("0.25"), True, D("10")
    )
    top = [RankEntry("u0", D("100"), (D("50"), D("50"))), RankEntry("u1", D("100"), (D("50"), D("50")))]
    assert engine.points_to_next_rank(top, "u0", rules) is None  # equal areas too: they share 01/02


@pytest.mark.parametrize(
    ("maximum", "step", "method", "least"),
    [
        ("1.50", None, "co_khong", "1.50"),  # có/không: all or nothing
        ("2.00", "0.50", "khoang", "0.50"),
        ("5.00", None, "khoang", "0.25"),  # no step stored: 0,25
        ("1.50", "1.00", "khoang", "0.50"),  # 0, 1 or 1,5 (the maximum): moves by 0,50
        ("10.00", "0.50", "tru_diem", "0.50"),
    ],
)
def test_a_leaf_moves_by_its_step_from_the_criteria(maximum, step, method, least):
    assert engine.leaf_step(D(maximum), None if step is None else D(step), method) == D(least)


def test_a_total_moves_by_the_common_step_of_its_leaves():
    assert engine.common_step([D("1.50"), D("0.50")]) == D("0.50")
    assert engine.common_step([D("1.50"), D("0.25")]) == D("0.25")
    assert engine.common_step([]) == D("0.25")


def test_unreachable_targets_are_said_plainly():
    assert describe_next_rank("02/19", RankWhatIf(1, 19, D("3.25"), False, D("3.00"))) == (
        "Không thể vươn lên hạng 01/19: cần thêm 3,25 điểm, trong khi đơn vị chỉ còn có thể đạt thêm tối đa "
        "3,00 điểm (hiện xếp hạng 02/19)."
    )
    assert describe_next_rank("02/19", RankWhatIf(1, 19, D("3.25"), True, D("14.50"))) == (
        "Cần thêm 3,25 điểm để vươn lên hạng 01/19 (hiện xếp hạng 02/19)."
    )
    level = WhatIf(RULES.levels[0], D("4.50"), (("2.3", D("2.00")), ("4.2", D("1.00"))), False)
    assert describe_what_if(WhatIfAnswer("ok", TOT, level, None, None)) == [
        "Không thể đạt mức Hoàn thành xuất sắc nhiệm vụ: cần thêm 4,50 điểm, trong khi khắc phục tất cả các mục bị "
        "trừ điểm (2.3 (2,00 điểm), 4.2 (1,00 điểm)) chỉ thêm được 3,00 điểm."
    ]


def test_the_what_if_reads_the_step_of_the_leaves_the_unit_can_still_win_back(world):
    """A lost only its có/không leaf (10 points, all or nothing): to equal B, 5,00 behind, it needs 10,00."""
    leaves = {
        "1.1": {"max": "40", "method": "khoang", "step": "0.5"},
        "1.2": {"max": "10", "method": "co_khong"},
        "2.1": {"max": "50", "method": "khoang", "step": "0.5"},
    }
    levels = tuple((level.name, level.min_points) for level in RULES.levels)
    version = make_version(world.district_id, leaves=leaves, levels=levels)
    campaign_id = make_campaign(world, version)
    a = add_assessment(campaign_id, world.a_id, world.group_communes_id, appraised={"1.2": "0"})  # 90,00
    add_assessment(campaign_id, world.b_id, world.group_communes_id, appraised={"2.1": "45"})  # 95,00
    with scoped(SYSTEM):
        compute(campaign_id)
        answer = what_if(a)
    assert answer.next_rank == RankWhatIf(1, 2, D("10.00"), True, D("10.00"))
    assert describe_what_if(answer)[-1] == "Cần thêm 10,00 điểm để vươn lên hạng 01/02 (hiện xếp hạng 02/02)."
