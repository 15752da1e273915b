"""Laws (hypothesis) and worked examples of the pure results engine, dvcq.scoring.engine."""

import ast
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from dvcq.scoring import engine
from dvcq.scoring.engine import (
    Condition,
    CriteriaNode,
    Level,
    RankEntry,
    Rules,
    build_tree,
    check_step,
    classify,
    evaluate_group,
    format_points,
    max_total,
    parse_points,
    points_to_next_level,
    points_to_next_rank,
    rank,
    unit_result,
)

D = Decimal
CENT = D("0.01")
PROPERTY = settings(deadline=None, max_examples=150)

XUAT_SAC = "Hoàn thành xuất sắc nhiệm vụ"
TOT = "Hoàn thành tốt nhiệm vụ"
HOAN_THANH = "Hoàn thành nhiệm vụ"
KHONG_HOAN_THANH = "Không hoàn thành nhiệm vụ"
RULES = Rules(
    (
        Level(1, XUAT_SAC, D("90")),
        Level(2, TOT, D("70")),
        Level(3, HOAN_THANH, D("50")),
        Level(4, KHONG_HOAN_THANH, D("0")),
    )
)
RULES_AREAS = Rules(RULES.levels, tie_break="areas")

# A 100-point criteria version shaped like the real one: 4 areas, criteria, one criterion with sub-criteria.
TREE = (
    CriteriaNode("1", None, "Công tác lãnh đạo, chỉ đạo", None),
    CriteriaNode("1.1", "1", "Ban hành kế hoạch thực hiện công tác dân vận chính quyền", D("10")),
    CriteriaNode("1.2", "1", "Kiểm tra, sơ kết, tổng kết", D("10")),
    CriteriaNode("2", None, "Thực hiện dân chủ ở cơ sở", D("30")),
    CriteriaNode("2.1", "2", "Công khai thông tin cho Nhân dân", D("15")),
    CriteriaNode("2.2", "2", "Tiếp công dân, đối thoại", None),
    CriteriaNode("2.2.a", "2.2", "Tổ chức đối thoại với Nhân dân", D("7.50")),
    CriteriaNode("2.2.b", "2.2", "Giải quyết kiến nghị sau đối thoại", D("7.50")),
    CriteriaNode("3", None, "Cải cách hành chính", None),
    CriteriaNode("3.1", "3", "Giải quyết thủ tục hành chính đúng hạn", D("10")),
    CriteriaNode("3.2", "3", "Chuyển đổi số", D("10")),
    CriteriaNode("3.3", "3", "Mức độ hài lòng của người dân", D("10")),
    CriteriaNode("4", None, "Xây dựng đội ngũ cán bộ, công chức", None),
    CriteriaNode("4.1", "4", "Tác phong, lề lối làm việc", D("10")),
    CriteriaNode("4.2", "4", "Không có cán bộ vi phạm", D("10")),
)
FULL = {node.code: node.max_points for node in TREE if node.max_points is not None and node.code != "2"}
# The commune of the real case: self-scored 97,00; appraised 85,50 (11,50 points lower).
SELF_SCORES = FULL | {"1.2": D("9.00"), "3.3": D("8.50"), "4.1": D("9.50")}
APPRAISED = FULL | {
    "3.1": D("6.00"),  # lost 4,00
    "2.2.a": D("4.00"),  # lost 3,50
    "4.1": D("7.00"),  # lost 3,00
    "1.2": D("7.50"),  # lost 2,50
    "3.3": D("8.50"),  # lost 1,50
}

# A tree with bonus (capped at 5 for the group) and penalty items, one penalty nested in a normal area.
EXTRAS_TREE = (
    CriteriaNode("1", None, "Lĩnh vực 1", None),
    CriteriaNode("1.1", "1", "Tiêu chí 1.1", D("60")),
    CriteriaNode("1.2", "1", "Tiêu chí 1.2", D("40")),
    CriteriaNode("1.3", "1", "Để xảy ra khiếu kiện đông người", D("3"), kind="penalty"),
    CriteriaNode("T", None, "Điểm thưởng", D("5"), kind="bonus"),
    CriteriaNode("T.1", "T", "Mô hình dân vận khéo cấp tỉnh", D("3")),
    CriteriaNode("T.2", "T", "Được khen thưởng", D("3")),
    CriteriaNode("P", None, "Điểm trừ", None, kind="penalty"),
    CriteriaNode("P.1", "P", "Chậm báo cáo", D("5")),
    CriteriaNode("P.2", "P", "Có cán bộ bị kỷ luật", D("5")),
)


def cents(value: int) -> Decimal:
    return D(value).scaleb(-2)


def level_order(classification) -> int:
    """Order of the level, with "no level" worse than every level."""
    return classification.level.order if classification.level else 10**6


# ---------------------------------------------------------------- strategies

leaf_maxima = st.integers(1, 40).map(lambda quarters: D(quarters) * D("0.25"))


@st.composite
def trees(draw, extras: bool = True) -> tuple[CriteriaNode, ...]:
    nodes = []
    for a in range(1, draw(st.integers(1, 4)) + 1):
        nodes.append(CriteriaNode(str(a), None, f"Lĩnh vực {a}", None))
        for c in range(1, draw(st.integers(1, 3)) + 1):
            code, subs = f"{a}.{c}", draw(st.integers(0, 2))
            nodes.append(CriteriaNode(code, str(a), f"Tiêu chí {code}", None if subs else draw(leaf_maxima)))
            for s in "ab"[:subs]:
                nodes.append(CriteriaNode(f"{code}.{s}", code, f"Tiêu chí {code}.{s}", draw(leaf_maxima)))
    if extras and draw(st.booleans()):
        items = draw(st.lists(leaf_maxima, min_size=1, max_size=3))
        cap = draw(st.none() | st.integers(1, int(sum(items) * 4)).map(lambda q: D(q) * D("0.25")))
        nodes.append(CriteriaNode("T", None, "Điểm thưởng", cap, kind="bonus"))
        nodes += [CriteriaNode(f"T.{i}", "T", f"Thưởng {i}", m) for i, m in enumerate(items, 1)]
    if extras and draw(st.booleans()):
        items = draw(st.lists(leaf_maxima, min_size=1, max_size=3))
        nodes.append(CriteriaNode("P", None, "Điểm trừ", None, kind="penalty"))
        nodes += [CriteriaNode(f"P.{i}", "P", f"Trừ {i}", m) for i, m in enumerate(items, 1)]
    return tuple(nodes)


@st.composite
def scores_for(draw, tree) -> dict[str, Decimal]:
    """Scores between 0 and each leaf's maximum (in cents); about one leaf in eight left unscored."""
    checked = build_tree(tree)
    scores = {}
    for code in checked.leaves:
        if draw(st.integers(0, 7)):
            scores[code] = cents(draw(st.integers(0, int(checked.max_of[code] * 100))))
    return scores


@st.composite
def scored_trees(draw, extras: bool = True):
    tree = draw(trees(extras))
    return tree, draw(scores_for(tree))


@st.composite
def random_rules(draw, top: int = 12000) -> Rules:
    """1–5 levels with distinct thresholds (in cents up to ``top``), order 1 the highest."""
    thresholds = draw(st.lists(st.integers(0, top), min_size=1, max_size=5, unique=True))
    ordered = sorted(thresholds, reverse=True)
    return Rules(tuple(Level(i, f"Mức {i}", cents(t)) for i, t in enumerate(ordered, 1)))


# Totals drawn from a few values so that ties are common.
group_totals = st.lists(
    st.sampled_from([D("0.00"), D("49.99"), D("50.00"), D("85.50"), D("90.00"), D("100.00")])
    | st.integers(0, 10000).map(cents),
    min_size=1,
    max_size=25,
)
area_tuples = st.tuples(*[st.sampled_from([D("0.00"), D("10.00"), D("10.25"), D("20.00")])] * 3)


def entries_of(totals) -> list[RankEntry]:
    return [RankEntry(f"u{i:02d}", total) for i, total in enumerate(totals)]


def area_entries_of(areas_list) -> list[RankEntry]:
    return [RankEntry(f"u{i:02d}", sum(areas, D("0.00")), areas) for i, areas in enumerate(areas_list)]


def assert_competition_ranking(results, keys) -> None:
    assert sorted(results) == sorted(keys)
    ranks = sorted(r.rank for r in results.values())
    assert ranks[0] == 1
    for position, (before, this) in enumerate(zip(ranks, ranks[1:], strict=False), start=2):
        assert this in (before, position), ranks  # a tie repeats the rank, then the next one skips
    for key, result in results.items():
        assert result.of == len(keys)
        assert set(result.tied_with) == {k for k, r in results.items() if r.rank == result.rank and k != key}


# ---------------------------------------------------------------- laws: totals


@PROPERTY
@given(scored_trees())
def test_total_stays_between_zero_and_the_tree_maximum_plus_bonus(case):
    tree, scores = case
    totals = unit_result(tree, scores)
    assert D("0") <= totals.total <= max_total(tree)
    checked = build_tree(tree)
    assert totals.base_total <= sum((checked.max_of[a] for a in checked.normal_areas), D("0"))
    assert totals.bonus <= sum((checked.max_of[r] for r in checked.roots_of_kind["bonus"]), D("0"))
    assert totals.total.as_tuple().exponent == -2


@PROPERTY
@given(scored_trees())
def test_totals_are_exact_decimal_sums_of_the_leaf_scores(case):
    tree, scores = case
    totals = unit_result(tree, scores)
    normal = {c: s for c, s in scores.items() if not c.startswith(("T", "P"))}
    bonus_sum = sum((s for c, s in scores.items() if c.startswith("T")), D("0"))
    bonus_cap = next((n.max_points for n in tree if n.code == "T"), None)
    bonus = min(bonus_sum, bonus_cap) if bonus_cap is not None else bonus_sum
    penalty = sum((s for c, s in scores.items() if c.startswith("P")), D("0"))

    assert totals.base_total == sum(normal.values(), D("0"))
    assert totals.bonus == bonus
    assert totals.penalty == penalty
    assert totals.total == max(sum(normal.values(), D("0")) + bonus - penalty, D("0"))
    assert sum((v for a, v in totals.by_area.items() if a not in ("T", "P")), D("0")) == totals.base_total
    for code, value in totals.by_node.items():
        if code not in ("T", "P"):
            kids = [n.code for n in tree if n.parent_code == code]
            assert value == sum((totals.by_node.get(k, scores.get(k, D("0"))) for k in kids), D("0"))
    assert set(totals.missing) == set(build_tree(tree).leaves) - set(scores)


@PROPERTY
@given(scored_trees(), st.data())
def test_raising_one_leaf_score_never_lowers_the_total_or_the_level(case, data):
    tree, scores = case
    checked = build_tree(tree)
    raisable = [c for c in checked.leaves if checked.kind_of[c] != "penalty"]
    code = data.draw(st.sampled_from(raisable))
    before = scores.get(code, D("0"))
    after = cents(data.draw(st.integers(int(before * 100), int(checked.max_of[code] * 100))))
    rules = data.draw(random_rules(top=int(checked.max_total * 100)))
    old, new = unit_result(tree, scores).total, unit_result(tree, scores | {code: after}).total
    assert new >= old
    assert level_order(classify(new, rules)) <= level_order(classify(old, rules))


@PROPERTY
@given(scored_trees(), st.data())
def test_a_bigger_deduction_never_raises_the_total(case, data):
    tree, scores = case
    checked = build_tree(tree)
    penalties = [c for c in checked.leaves if checked.kind_of[c] == "penalty"]
    if not penalties:
        return
    code = data.draw(st.sampled_from(penalties))
    worse = scores | {code: checked.max_of[code]}
    assert unit_result(tree, worse).total <= unit_result(tree, scores).total


# ---------------------------------------------------------------- laws: classification


@PROPERTY
@given(random_rules())
def test_every_threshold_is_inclusive_and_one_cent_below_is_worse(rules):
    for level in rules.levels:
        assert classify(level.min_points, rules).level == level
        if level.min_points > 0:
            below = classify(level.min_points - CENT, rules)
            assert level_order(below) > level.order


@PROPERTY
@given(random_rules(), st.integers(0, 12000), st.integers(0, 12000))
def test_more_points_never_give_a_worse_level(rules, low, extra):
    assert level_order(classify(cents(low + extra), rules)) <= level_order(classify(cents(low), rules))


# ---------------------------------------------------------------- laws: ranking


@PROPERTY
@given(group_totals)
def test_ranks_are_a_competition_ranking_and_only_equal_totals_tie(totals):
    entries = entries_of(totals)
    results = rank(entries, RULES)
    assert_competition_ranking(results, [e.key for e in entries])
    for entry in entries:
        result = results[entry.key]
        assert result.rank == 1 + sum(1 for other in entries if other.total > entry.total)
        assert all(other.total == entry.total for other in entries if other.key in result.tied_with)
        width = max(2, len(str(len(entries))))
        assert result.display == f"{result.rank:0{width}d}/{len(entries):0{width}d}"
    assert list(results) == sorted(results, key=lambda k: results[k].rank)


@PROPERTY
@given(st.lists(area_tuples, min_size=1, max_size=20))
def test_area_tie_break_separates_equal_totals_by_first_area_first(areas_list):
    entries = area_entries_of(areas_list)
    results = rank(entries, RULES_AREAS)
    assert_competition_ranking(results, [e.key for e in entries])
    for entry in entries:
        better = sum(1 for o in entries if (o.total, o.by_area) > (entry.total, entry.by_area))
        assert results[entry.key].rank == 1 + better
        for other in entries:
            if other.key in results[entry.key].tied_with:
                assert (other.total, other.by_area) == (entry.total, entry.by_area)


@PROPERTY
@given(group_totals, st.data())
def test_raising_a_units_total_never_worsens_its_rank(totals, data):
    i = data.draw(st.integers(0, len(totals) - 1))
    raised = list(totals)
    raised[i] += cents(data.draw(st.integers(0, 5000)))
    key = f"u{i:02d}"
    assert rank(entries_of(raised), RULES)[key].rank <= rank(entries_of(totals), RULES)[key].rank


@PROPERTY
@given(st.lists(area_tuples, min_size=1, max_size=20), st.data())
def test_raising_an_area_never_worsens_the_rank_under_the_area_tie_break(areas_list, data):
    i = data.draw(st.integers(0, len(areas_list) - 1))
    area = data.draw(st.integers(0, 2))
    raised = list(areas_list)
    bumped = list(raised[i])
    bumped[area] += cents(data.draw(st.integers(0, 1000)))
    raised[i] = tuple(bumped)
    key = f"u{i:02d}"
    before = rank(area_entries_of(areas_list), RULES_AREAS)[key].rank
    assert rank(area_entries_of(raised), RULES_AREAS)[key].rank <= before


@PROPERTY
@given(group_totals, st.sampled_from([CENT, D("0.25"), D("0.50")]), st.data())
def test_points_to_next_rank_is_the_fewest_whole_steps_that_equal_the_units_above(totals, step, data):
    entries = entries_of(totals)
    i = data.draw(st.integers(0, len(entries) - 1))
    key = entries[i].key
    results = rank(entries, RULES)
    answer = points_to_next_rank(entries, key, RULES, step=step, maximum=D("100.00"))
    if results[key].rank == 1:
        assert answer is None
        return
    above = min(e.total for e in entries if e.total > entries[i].total)
    assert answer.target == max(r.rank for r in results.values() if r.rank < results[key].rank)
    assert answer.needed > 0 and answer.needed % step == 0
    assert entries[i].total + answer.needed >= above  # equal points share the rank: equalling is enough
    assert entries[i].total + answer.needed - step < above  # one step fewer is not
    raised = list(totals)
    raised[i] += answer.needed
    assert rank(entries_of(raised), RULES)[key].rank <= answer.target
    raised[i] -= step
    assert rank(entries_of(raised), RULES)[key].rank == results[key].rank
    assert answer.reachable == (entries[i].total + answer.needed <= D("100.00"))


# ---------------------------------------------------------------- laws: what-if


@PROPERTY
@given(scored_trees(), st.data())
def test_what_if_names_the_fewest_largest_losses_that_reach_the_next_level(case, data):
    tree, scores = case
    checked = build_tree(tree)
    rules = data.draw(random_rules(top=int(checked.max_total * 100)))
    totals = unit_result(tree, scores)
    current = classify(totals.total, rules)
    answer = points_to_next_level(tree, rules, scores)
    if answer is None:
        event("already at the best level")
        assert current.level == rules.levels[0]
        return
    event(f"reachable: {answer.reachable}")
    assert level_order(current) > answer.target.order
    assert answer.needed > 0 and answer.needed % engine.DEFAULT_STEP == 0  # whole steps of 0,25
    assert totals.raw_total + answer.needed >= answer.target.min_points
    one_step_short = max(totals.raw_total + answer.needed - engine.DEFAULT_STEP, D("0"))  # before the floor at 0
    assert level_order(classify(one_step_short, rules)) > answer.target.order

    losses = {c: checked.max_of[c] - scores.get(c, D("0")) for c in checked.leaves if checked.kind_of[c] == "normal"}
    chosen = [points for _, points in answer.items]
    assert chosen == sorted(chosen, reverse=True)
    assert all(losses[code] == points for code, points in answer.items)
    left_out = [p for c, p in losses.items() if c not in dict(answer.items) and p > 0]
    if chosen:
        assert all(p <= min(chosen) for p in left_out)  # nothing bigger was passed over
    else:
        assert not left_out and not answer.reachable
    recovered = sum(chosen, D("0"))
    if answer.reachable:
        assert recovered >= answer.needed
        assert sum(chosen[:-1], D("0")) < answer.needed  # one item fewer would not do
        improved = scores | {code: scores.get(code, D("0")) + points for code, points in answer.items}
        reached = classify(unit_result(tree, improved).total, rules)
        assert level_order(reached) <= answer.target.order
    else:
        assert recovered == sum(losses.values(), D("0")) < answer.needed
        assert not left_out


# ---------------------------------------------------------------- laws: points as text


@PROPERTY
@given(st.integers(-(10**9), 10**9))
def test_formatting_then_parsing_gives_back_the_same_points(value):
    points = cents(value)
    text = format_points(points)
    assert re.fullmatch(r"-?[0-9]+,[0-9]{2}", text)
    assert parse_points(text) == points
    assert parse_points(f"  {text.replace(',', '.')} ") == points
    assert format_points(parse_points(text)) == text


@PROPERTY
@given(st.text(max_size=12))
@example("NaN")
@example("Infinity")
@example("-inf")
@example("1e5")
@example("٣")
@example("85,555")
def test_parsing_any_text_either_reads_a_two_place_number_or_says_why_in_vietnamese(text):
    try:
        points = parse_points(text)
    except ValueError as exc:
        assert "điểm" in str(exc) or "thập phân" in str(exc)
    else:
        assert re.fullmatch(r"\s*[+-]?[0-9]+([.,][0-9]{1,2})?\s*", text)
        assert points.as_tuple().exponent == -2


@PROPERTY
@given(st.integers(1, 400), st.integers(0, 400), st.sampled_from(["khoang", "tru_diem"]))
def test_step_methods_accept_exactly_the_quarter_point_grid(max_quarters, value_cents, method):
    limit = D(max_quarters) * D("0.25")
    value = cents(value_cents)
    on_grid = value <= limit and (value % D("0.25") == 0 or value in (0, limit))
    if on_grid:
        assert check_step(value, limit, None, method) == value
    else:
        with pytest.raises(ValueError):
            check_step(value, limit, None, method)


# ---------------------------------------------------------------- the real case


def test_real_case_self_score_97_is_excellent():
    totals = unit_result(TREE, SELF_SCORES)
    assert totals.total == D("97.00")
    assert format_points(totals.total) == "97,00"
    assert classify(totals.total, RULES).label == XUAT_SAC


def test_real_case_appraised_85_50_is_good_and_11_50_below_the_self_score():
    appraised = unit_result(TREE, APPRAISED)
    assert appraised.total == D("85.50")
    assert classify(appraised.total, RULES).label == TOT
    assert unit_result(TREE, SELF_SCORES).total - appraised.total == D("11.50")
    assert appraised.by_area == {"1": D("17.50"), "2": D("26.50"), "3": D("24.50"), "4": D("17.00")}
    assert appraised.by_node["2.2"] == D("11.50")


def test_real_case_ranks_02_of_19_when_one_unit_scored_more():
    others = {f"xa{i:02d}": D("60.00") + D(i) for i in range(17)}  # 60,00 .. 76,00
    entries = [RankEntry("commune", D("85.50")), RankEntry("leader", D("88.00"))]
    entries += [RankEntry(key, total) for key, total in others.items()]
    results = rank(entries, RULES)
    assert results["commune"].rank == 2
    assert results["commune"].display == "02/19"
    assert results["leader"].display == "01/19"
    assert points_to_next_rank(entries, "commune", RULES) == engine.RankWhatIf(1, 19, D("2.50"), True)


def test_what_if_needing_4_50_recovers_the_biggest_lost_items_first():
    answer = points_to_next_level(TREE, RULES, APPRAISED)
    assert answer.target.name == XUAT_SAC
    assert answer.needed == D("4.50")
    assert answer.items == (("3.1", D("4.00")), ("2.2.a", D("3.50")))
    assert answer.reachable


def test_what_if_accepts_the_callers_losses_such_as_self_minus_appraised():
    lost = {code: SELF_SCORES[code] - APPRAISED[code] for code in FULL}
    assert sum(lost.values()) == D("11.50")
    answer = points_to_next_level(TREE, RULES, APPRAISED, lost=lost)
    assert answer.items == (("3.1", D("4.00")), ("2.2.a", D("3.50")))
    small = points_to_next_level(TREE, RULES, APPRAISED, lost={"4.2": D("0"), "1.2": D("1.50"), "4.1": D("2.50")})
    assert small.items == (("4.1", D("2.50")), ("1.2", D("1.50")))
    assert not small.reachable


def test_what_if_is_unreachable_when_all_lost_points_are_not_enough():
    scores = FULL | {"2.1": D("0"), "3.1": D("0"), "3.2": D("0"), "1.1": D("0")}  # 55,00: "hoàn thành"
    answer = points_to_next_level(TREE, RULES, scores, lost={"3.2": D("10"), "1.1": D("2")})
    assert answer.target.name == TOT
    assert answer.needed == D("15.00")
    assert answer.items == (("3.2", D("10.00")), ("1.1", D("2.00")))
    assert not answer.reachable


def test_what_if_has_no_answer_at_the_best_level_or_when_disqualified_or_capped():
    assert points_to_next_level(TREE, RULES, FULL) is None
    disqualified = Condition("KDK", "Có tập thể bị kỷ luật", "disqualify")
    assert points_to_next_level(TREE, RULES, APPRAISED, conditions_met=[disqualified]) is None
    capped = Condition("CAP", "Có đơn thư vượt cấp", "cap", cap_order=2)
    assert points_to_next_level(TREE, RULES, APPRAISED, conditions_met=[capped]) is None
    low = FULL | {"2.1": D("0"), "3.1": D("0"), "3.2": D("0"), "1.1": D("0")}  # 55,00, cap not binding
    assert points_to_next_level(TREE, RULES, low, conditions_met=[capped]).target.name == TOT


def test_what_if_from_below_every_threshold_targets_the_lowest_level():
    rules = Rules((Level(1, XUAT_SAC, D("90")), Level(2, TOT, D("70"))))
    answer = points_to_next_level(TREE, rules, FULL | {"2.1": D("0"), "3.1": D("0"), "3.2": D("0")})
    assert answer.target.name == TOT
    assert answer.needed == D("5.00")
    assert answer.items == (("2.1", D("15.00")),)


# ---------------------------------------------------------------- thresholds and classification


@pytest.mark.parametrize(
    ("total", "label"),
    [
        ("100.00", XUAT_SAC),
        ("90.00", XUAT_SAC),
        ("89.99", TOT),
        ("70.00", TOT),
        ("69.99", HOAN_THANH),
        ("50.00", HOAN_THANH),
        ("49.99", KHONG_HOAN_THANH),
        ("0.00", KHONG_HOAN_THANH),
    ],
)
def test_thresholds_are_inclusive_at_90_70_and_50(total, label):
    assert classify(D(total), RULES).label == label


def test_below_every_threshold_is_not_classified():
    rules = Rules((Level(1, XUAT_SAC, D("90")), Level(2, TOT, D("70"))))
    result = classify(D("69.99"), rules)
    assert (result.level, result.disqualified, result.label) == (None, False, "Chưa xếp loại")


def test_a_disqualified_unit_has_no_level_but_is_still_ranked_by_score():
    condition = Condition("KDK", "Có cán bộ bị truy cứu trách nhiệm hình sự", "disqualify")
    outcomes = evaluate_group(TREE, RULES, {"A": (SELF_SCORES, [condition]), "B": (APPRAISED, [])})
    a = outcomes["A"]
    assert a.classification.level is None
    assert a.classification.disqualified
    assert a.classification.label == "Không đủ điều kiện xếp loại"
    assert a.classification.applied == ("KDK",)
    assert a.rank.display == "01/02"
    assert outcomes["B"].classification.label == TOT


def test_a_cap_lowers_the_level_but_never_raises_it():
    cap = Condition("C2", "Có đơn thư khiếu nại kéo dài", "cap", cap_order=2)
    capped = classify(D("97.00"), RULES, [cap])
    assert capped.label == TOT
    assert capped.applied == ("C2",)
    assert classify(D("60.00"), RULES, [cap]).label == HOAN_THANH
    strict = Condition("C3", "Vi phạm nghiêm trọng", "cap", cap_order=3)
    assert classify(D("97.00"), RULES, [cap, strict]).label == HOAN_THANH
    with pytest.raises(ValueError, match="mức xếp loại 7"):
        classify(D("97.00"), RULES, [Condition("C7", "?", "cap", cap_order=7)])


def test_rules_refuse_thresholds_that_do_not_fall_with_the_level():
    with pytest.raises(ValueError, match="phải cao hơn"):
        Rules((Level(1, XUAT_SAC, D("70")), Level(2, TOT, D("90"))))
    with pytest.raises(ValueError, match="Cách phân định khi bằng điểm “name” không hợp lệ"):
        Rules(RULES.levels, tie_break="name")


# ---------------------------------------------------------------- ranking examples


def test_equal_totals_share_a_rank_and_the_next_rank_is_skipped():
    results = rank(entries_of([D("90"), D("85.5"), D("85.50"), D("80")]), RULES)
    assert [r.rank for r in results.values()] == [1, 2, 2, 4]
    assert [r.display for r in results.values()] == ["01/04", "02/04", "02/04", "04/04"]
    assert results["u01"].tied_with == ("u02",)
    assert results["u00"].tied_with == ()


def test_a_tie_at_the_top_gives_two_first_places():
    results = rank(entries_of([D("80"), D("95"), D("95")]), RULES)
    assert {k: r.rank for k, r in results.items()} == {"u01": 1, "u02": 1, "u00": 3}
    assert points_to_next_rank(entries_of([D("80"), D("95"), D("95")]), "u02", RULES) is None
    assert points_to_next_rank(entries_of([D("80"), D("95"), D("95")]), "u00", RULES).needed == D("15.00")


def test_ties_at_a_level_boundary_share_rank_and_level_while_one_cent_less_is_neither():
    units = {
        "A": (FULL | {"3.2": D("0"), "4.2": D("0"), "1.1": D("10")}, []),  # 80,00
        "B": (FULL | {"3.2": D("5"), "4.2": D("5")}, []),  # 90,00
        "C": (FULL | {"3.2": D("0"), "1.1": D("10")}, []),  # 90,00
        "D": (FULL | {"3.2": D("4.99"), "4.2": D("5")}, []),  # 89,99
    }
    outcomes = evaluate_group(TREE, RULES, units)
    assert list(outcomes) == ["B", "C", "D", "A"]
    assert [o.rank.rank for o in outcomes.values()] == [1, 1, 3, 4]
    assert [o.classification.label for o in outcomes.values()] == [XUAT_SAC, XUAT_SAC, TOT, TOT]
    assert outcomes["B"].rank.tied_with == ("C",)


def test_area_tie_break_compares_the_first_area_first_and_still_equal_units_share():
    units = {
        "A": (FULL | {"1.1": D("5"), "2.1": D("10")}, []),  # 90,00: areas 15 / 25 / 30 / 20
        "B": (FULL | {"2.1": D("10"), "3.1": D("5")}, []),  # 90,00: areas 20 / 25 / 25 / 20
        "C": (FULL | {"2.1": D("10"), "4.1": D("5")}, []),  # 90,00: areas 20 / 25 / 30 / 15
        "D": (FULL | {"2.1": D("10"), "4.2": D("5")}, []),  # 90,00: same areas as C
    }
    plain = evaluate_group(TREE, RULES, units)
    assert {k: o.rank.rank for k, o in plain.items()} == {"A": 1, "B": 1, "C": 1, "D": 1}
    broken = evaluate_group(TREE, RULES_AREAS, units)
    assert {k: o.rank.display for k, o in broken.items()} == {
        "C": "01/04",
        "D": "01/04",
        "B": "03/04",
        "A": "04/04",
    }
    assert broken["C"].rank.tied_with == ("D",)
    assert points_to_next_rank(
        [RankEntry(k, o.totals.total, tuple(o.totals.by_area.values())) for k, o in broken.items()],
        "B",
        RULES_AREAS,
    ) == engine.RankWhatIf(1, 4, D("0.25"), True)  # equal totals do not share under this tie-break: one step more


@pytest.mark.parametrize(("position", "of", "shown"), [(2, 19, "02/19"), (1, 1, "01/01"), (7, 120, "007/120")])
def test_rank_display_is_zero_padded_to_the_width_of_the_group(position, of, shown):
    totals = [D(1000 - i) for i in range(of)]
    assert rank(entries_of(totals), RULES)[f"u{position - 1:02d}"].display == shown


def test_ranking_refuses_a_unit_listed_twice():
    with pytest.raises(ValueError, match="hai lần"):
        rank([RankEntry("A", D("1")), RankEntry("A", D("2"))], RULES)


# ---------------------------------------------------------------- bonus and penalty


def test_bonus_is_added_up_to_its_cap_and_penalties_are_deducted():
    scores = {"1.1": D("50"), "1.2": D("38"), "1.3": D("1"), "T.1": D("3"), "T.2": D("3"), "P.1": D("2")}
    totals = unit_result(EXTRAS_TREE, scores)
    assert totals.base_total == D("88.00")
    assert totals.bonus == D("5.00")  # 6 given, the bonus group is capped at 5
    assert totals.penalty == D("3.00")  # 1 inside area 1 + 2 in the penalty area
    assert totals.total == D("90.00")
    assert totals.by_area == {"1": D("88.00"), "T": D("5.00"), "P": D("2.00")}
    assert classify(totals.total, RULES).label == XUAT_SAC
    assert max_total(EXTRAS_TREE) == D("105.00")


def test_penalties_cannot_push_the_total_below_zero():
    totals = unit_result(EXTRAS_TREE, {"1.1": D("4"), "P.1": D("5"), "P.2": D("5")})
    assert totals.total == D("0.00")
    assert totals.raw_total == D("-6.00")
    assert totals.missing == ("1.2", "1.3", "T.1", "T.2")


# ---------------------------------------------------------------- the tree and scores are checked


def test_a_score_above_the_leaf_maximum_is_refused_in_vietnamese():
    with pytest.raises(ValueError, match=r"^Điểm của tiêu chí 1\.2 vượt quá điểm tối đa 10,00$"):
        unit_result(TREE, {"1.2": D("10.25")})
    with pytest.raises(ValueError, match=r"tiêu chí 2\.2\.a không được âm \(-1,00\)"):
        unit_result(TREE, {"2.2.a": D("-1")})
    with pytest.raises(ValueError, match="quá 2 chữ số thập phân"):
        unit_result(TREE, {"1.1": D("1.005")})


def test_scores_must_name_leaves_of_the_tree_and_never_be_floats():
    with pytest.raises(ValueError, match="Không có tiêu chí mã 9.9"):
        unit_result(TREE, {"9.9": D("1")})
    with pytest.raises(ValueError, match="chỉ chấm điểm ở tiêu chí cuối cùng"):
        unit_result(TREE, {"2.2": D("1")})
    with pytest.raises(TypeError):
        unit_result(TREE, {"1.1": 9.5})


def test_unscored_leaves_count_as_zero_and_are_listed():
    totals = unit_result(TREE, {"1.1": D("10"), "2.2.b": None})
    assert totals.total == D("10.00")
    assert totals.missing == ("1.2", "2.1", "2.2.a", "2.2.b", "3.1", "3.2", "3.3", "4.1", "4.2")


def test_the_tree_is_checked_before_any_total():
    with pytest.raises(ValueError, match=r"Điểm tối đa của tiêu chí 2 \(30,00\) khác tổng .* \(25,00\)"):
        build_tree(
            [
                CriteriaNode("2", None, "Lĩnh vực 2", D("30")),
                CriteriaNode("2.1", "2", "a", D("15")),
                CriteriaNode("2.2", "2", "b", D("10")),
            ]
        )
    with pytest.raises(ValueError, match="mã cấp trên 7 không tồn tại"):
        build_tree([CriteriaNode("1", None, "a", D("1")), CriteriaNode("7.1", "7", "b", D("1"))])
    with pytest.raises(ValueError, match="bị trùng"):
        build_tree([CriteriaNode("1", None, "a", D("1")), CriteriaNode("1", None, "b", D("1"))])
    with pytest.raises(ValueError, match="vòng lặp"):
        build_tree(
            [
                CriteriaNode("1", None, "a", D("1")),
                CriteriaNode("x", "y", "", D("1")),
                CriteriaNode("y", "x", "", None),
            ]
        )
    with pytest.raises(ValueError, match="chưa có điểm tối đa"):
        build_tree([CriteriaNode("1", None, "a", None)])
    with pytest.raises(ValueError, match="không thể nằm trong"):
        build_tree(
            [
                CriteriaNode("T", None, "a", None, kind="bonus"),
                CriteriaNode("T.1", "T", "b", D("1"), kind="penalty"),
            ]
        )
    assert build_tree(TREE).max_total == D("100.00")


# ---------------------------------------------------------------- points as text, steps


@pytest.mark.parametrize(
    ("text", "points"),
    [
        ("85,5", "85.50"),
        ("85.50", "85.50"),
        (" 97 ", "97.00"),
        ("0", "0.00"),
        ("-1,25", "-1.25"),
        ("100,00", "100"),
    ],
)
def test_parse_points_reads_comma_or_dot_and_pads_to_two_places(text, points):
    parsed = parse_points(text)
    assert parsed == D(points)
    assert str(parsed) == str(D(points).quantize(CENT))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "“abc” không phải là số điểm hợp lệ"),
        ("NaN", "“NaN” không phải là số điểm hợp lệ"),
        ("Infinity", "“Infinity” không phải là số điểm hợp lệ"),
        ("1.000", "“1.000” có quá 2 chữ số thập phân"),
        ("85,555", "“85,555” có quá 2 chữ số thập phân"),
        ("8,5,5", "“8,5,5” không phải là số điểm hợp lệ"),
        ("   ", "Chưa nhập điểm"),
    ],
)
def test_parse_points_refuses_non_numbers_with_a_vietnamese_message(text, message):
    with pytest.raises(ValueError) as caught:
        parse_points(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("85.5"), "85,50"),
        (D("-1.25"), "-1,25"),
        (D("100"), "100,00"),
        (D("-0.00"), "0,00"),
        (D("0.005"), "0,01"),
    ],
)
def test_format_points_uses_a_decimal_comma_and_two_places(value, shown):
    assert format_points(value) == shown


def test_format_points_refuses_floats():
    with pytest.raises(TypeError):
        format_points(85.5)


@pytest.mark.parametrize(
    ("value", "limit", "step", "method", "message"),
    [
        ("2.50", "2", None, "khoang", "Điểm 2,50 vượt quá điểm tối đa 2,00"),
        ("-0.25", "2", None, "khoang", "Điểm -0,25 không được âm"),
        ("1.30", "2", None, "khoang", "Điểm 1,30 không hợp lệ: phải là bội số của bước điểm 0,25"),
        ("1.00", "2", None, "co_khong", "chỉ nhận 0,00 hoặc 2,00, không nhận 1,00"),
        ("1.30", "2.10", "0.5", "tru_diem", "điểm trừ 0,80 phải là bội số của bước điểm 0,50"),
        ("1", "2", None, "uoc_luong", "Cách chấm “uoc_luong” không hợp lệ"),
    ],
)
def test_check_step_refuses_scores_off_the_method_with_value_and_limit(value, limit, step, method, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        check_step(D(value), D(limit), None if step is None else D(step), method)


@pytest.mark.parametrize(
    ("value", "limit", "step", "method"),
    [
        ("1.75", "2", None, "khoang"),
        ("2.10", "2.10", None, "khoang"),  # the maximum itself, even off the grid
        ("0", "2", None, "co_khong"),
        ("2", "2", None, "co_khong"),
        ("1.60", "2.10", "0.5", "tru_diem"),
        ("0", "2.10", "0.5", "tru_diem"),
    ],
)
def test_check_step_accepts_scores_on_the_method(value, limit, step, method):
    assert check_step(D(value), D(limit), None if step is None else D(step), method) == D(value)


@pytest.mark.parametrize(
    ("value", "limit", "step", "method", "expected"),
    [
        (" 1,5 ", "2", None, "khoang", D("1.50")),  # typed by a user: decimal comma, spaces
        ("2.10", "2.10", None, None, D("2.10")),  # no method on the leaf: khoảng
        (D("1.60"), "2.10", "0.5", "tru_diem", D("1.60")),  # already a number
        (2, "2", None, "co_khong", D("2.00")),
    ],
)
def test_check_score_reads_typed_or_numeric_scores_of_a_leaf(value, limit, step, method, expected):
    assert engine.check_score(value, D(limit), None if step is None else D(step), method) == expected


@pytest.mark.parametrize(
    ("value", "method", "message"),
    [
        ("3,5", None, "Điểm 3,50 vượt quá điểm tối đa 3,00"),
        ("1,3", "khoang", "phải là bội số của bước điểm 0,25"),
        ("abc", "khoang", "“abc” không phải là số điểm hợp lệ"),
        ("", "khoang", "Chưa nhập điểm"),
        (1.5, "khoang", "points must be Decimal (or int), not float"),  # a float is refused as a ValueError too
    ],
)
def test_check_score_refuses_with_the_vietnamese_reason(value, method, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        engine.check_score(value, D("3"), None, method)


# ---------------------------------------------------------------- purity


def test_the_engine_imports_only_the_standard_library():
    package = Path(engine.__file__).parent
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in sys.stdlib_module_names | {"__future__"}, (source.name, name)
    probe = (
        "import sys, dvcq.scoring.engine; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=package.parents[2]
    )
    assert out.stdout.strip() == "[]"
