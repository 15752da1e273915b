"""Computing a campaign's results: exact totals, inclusive thresholds, ranks per group with shared ties, conditions,
incomplete appraisals, idempotence, the publication lock, one query for the scores, what-if and breakdown."""

import json
from decimal import Decimal as D

import pytest
from sqlalchemy import event, select

from dvcq.platform import clock
from dvcq.platform.audit import AuditRecord
from dvcq.platform.errors import Conflict, Forbidden
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring import engine
from dvcq.scoring.models import AssessmentStatus, Campaign, CampaignStatus, ItemScore, UnitResult
from dvcq.scoring.results.access import RELEASED
from dvcq.scoring.results.compute import campaign_results, compute
from dvcq.scoring.results.inputs import engine_inputs
from dvcq.scoring.results.whatif import describe_what_if, unit_breakdown, what_if
from tests.scoring.results_factories import (
    HOAN_THANH,
    TOT,
    XUAT_SAC,
    add_assessment,
    extra_communes,
    make_campaign,
    real_case_group,
    results_version,
    set_campaign_status,
)


def _compute(campaign_id, scope=SYSTEM):
    with scoped(scope):
        compute(campaign_id)
        return campaign_results(campaign_id)


def _by_unit(rows):
    return {r.unit_id: r for r in rows}


def test_the_real_case_is_xuat_sac_self_scored_tot_appraised_and_ranks_02_of_19(world):
    campaign_id, _, _ = real_case_group(world)
    rows = _by_unit(_compute(campaign_id))
    a = rows[world.a_id]
    assert (a.self_total, a.appraised_total) == (D("97.00"), D("85.50"))
    assert a.level_name == TOT and a.level_order == 2
    assert engine.format_rank(a.rank, a.rank_of) == "02/19"
    assert a.group_name == "Khối xã" and a.source == "campaign" and a.published is False
    assert a.campaign_id == campaign_id and a.year == 2023 and a.authority_id == world.district_id
    with scoped(SYSTEM):
        rules = engine_inputs(db.session.get(Campaign, campaign_id).versions[0].id).rules
    assert engine.classify(a.self_total, rules).label == XUAT_SAC
    assert rows[world.b_id].rank == 1 and rows[world.b_id].appraised_total == D("88.25")


def test_area_totals_are_stored_exactly(world):
    campaign_id, _, _ = real_case_group(world)
    a = _by_unit(_compute(campaign_id))[world.a_id]
    assert json.loads(a.by_area) == {"1": "17.75", "2": "16.50", "3": "18.50", "4": "17.25", "5": "15.50"}
    assert sum(D(v) for v in json.loads(a.by_area).values()) == D("85.50")


def test_groups_are_ranked_separately(world):
    campaign_id, _, _ = real_case_group(world)
    rows = _by_unit(_compute(campaign_id))
    agency = rows[world.agency_id]
    assert (agency.group_name, agency.rank, agency.rank_of) == ("Khối cơ quan", 1, 1)
    assert {r.rank_of for r in rows.values() if r.group_name == "Khối xã"} == {19}


def _four(world, totals, **version_kwargs):
    version = results_version(world, **version_kwargs)
    campaign_id = make_campaign(world, version)
    units = [world.a_id, world.b_id, *extra_communes(world, len(totals) - 2)]
    for unit_id, total in zip(units, totals, strict=True):
        add_assessment(campaign_id, unit_id, world.group_communes_id, self_total="100", appraised=total)
    rows = _by_unit(_compute(campaign_id))
    return [rows[u] for u in units]


def test_exactly_90_is_xuat_sac_and_89_99_is_not(world):
    exactly, just_below, seventy, below = _four(world, ["90.00", "89.99", "70.00", "69.99"])
    assert exactly.level_name == XUAT_SAC
    assert just_below.level_name == TOT
    assert seventy.level_name == TOT
    assert below.level_name == HOAN_THANH


def test_ties_share_a_rank_1_2_2_4_across_a_level_boundary(world):
    rows = _four(world, ["91.00", "90.00", "90.00", "89.99"])
    assert [r.rank for r in rows] == [1, 2, 2, 4]
    assert [r.level_name for r in rows] == [XUAT_SAC, XUAT_SAC, XUAT_SAC, TOT]
    assert all(r.rank_of == 4 for r in rows)


def test_ties_at_the_top_share_rank_1(world):
    rows = _four(world, ["88.00", "88.00", "75.50", "75.50"])
    assert [r.rank for r in rows] == [1, 1, 3, 3]


def test_the_areas_tie_break_separates_equal_totals_by_the_first_area(world):
    version = results_version(world)
    with scoped(SYSTEM):
        version.tie_break = "areas"
        db.session.commit()
    campaign_id = make_campaign(world, version)
    # both 90,00: A loses its 10 points in area 5, B in area 1 — A is ahead on area 1
    add_assessment(campaign_id, world.a_id, world.group_communes_id, appraised={"5.1.a": 0, "5.1.b": 0})
    add_assessment(campaign_id, world.b_id, world.group_communes_id, appraised={"1.1": 0, "1.2": "2"})
    rows = _by_unit(_compute(campaign_id))
    assert rows[world.a_id].appraised_total == rows[world.b_id].appraised_total == D("90.00")
    assert (rows[world.a_id].rank, rows[world.b_id].rank) == (1, 2)


def test_a_disqualified_unit_keeps_its_rank_but_has_no_level(world):
    version = results_version(world)
    campaign_id = make_campaign(world, version)
    add_assessment(campaign_id, world.a_id, world.group_communes_id, appraised="95", conditions="DK1")
    add_assessment(campaign_id, world.b_id, world.group_communes_id, appraised="80")
    rows = _by_unit(_compute(campaign_id))
    a = rows[world.a_id]
    assert a.disqualified is True
    assert a.level_order is None and a.level_name == "Không đủ điều kiện xếp loại"
    assert a.rank == 1


def test_a_cap_condition_lowers_the_level(world):
    version = results_version(world)
    campaign_id = make_campaign(world, version)
    add_assessment(campaign_id, world.a_id, world.group_communes_id, appraised="95", conditions="DK2")
    a = _by_unit(_compute(campaign_id))[world.a_id]
    assert (a.level_order, a.level_name, a.disqualified) == (2, TOT, False)


def test_an_incomplete_appraisal_has_no_appraised_total_level_or_rank(world):
    version = results_version(world)
    campaign_id = make_campaign(world, version)
    add_assessment(campaign_id, world.a_id, world.group_communes_id, self_total="92", appraised={"3.1": None})
    add_assessment(campaign_id, world.b_id, world.group_communes_id, self_total="90", appraised="80")
    rows = _by_unit(_compute(campaign_id))
    a = rows[world.a_id]
    assert a.self_total == D("92.00")
    assert (a.appraised_total, a.level_name, a.rank, a.rank_of) == (None, "", None, None)
    assert (rows[world.b_id].rank, rows[world.b_id].rank_of) == (1, 1)


def test_the_final_score_counts_instead_of_the_appraised_one(world):
    version = results_version(world)
    campaign_id = make_campaign(world, version)
    add_assessment(campaign_id, world.a_id, world.group_communes_id, appraised={"2.3": "6"}, final={"2.3": "7.5"})
    assert _by_unit(_compute(campaign_id))[world.a_id].appraised_total == D("99.50")


def test_compute_is_idempotent_and_audited(world):
    campaign_id, _, _ = real_case_group(world)
    first = [(r.id, r.appraised_total, r.rank, r.computed_at) for r in _compute(campaign_id)]
    second = [(r.id, r.appraised_total, r.rank, r.computed_at) for r in _compute(campaign_id)]
    assert first == second
    with scoped(SYSTEM):
        records = (
            db.session.execute(
                select(AuditRecord).where(AuditRecord.action == "results.computed").order_by(AuditRecord.seq)
            )
            .scalars()
            .all()
        )
        assert len(records) == 2
        assert len(json.loads(records[0].after)["changed"]) == 20
        assert json.loads(records[1].after)["changed"] == {}
        assert len(db.session.execute(select(UnitResult)).scalars().all()) == 20


def test_a_changed_score_updates_only_what_changed(world):
    campaign_id, ids, _ = real_case_group(world)
    _compute(campaign_id)
    with scoped(SYSTEM):
        codes = {"2.3": D("8"), "5.1.b": D("5")}  # the explanation round gives back 3,50 points
        for item in db.session.execute(select(ItemScore).where(ItemScore.assessment_id == ids["a"])).scalars():
            if item.node.code in codes:
                item.final_score = codes[item.node.code]
        db.session.commit()
    rows = _by_unit(_compute(campaign_id))
    assert (rows[world.a_id].appraised_total, rows[world.a_id].rank) == (D("89.00"), 1)
    assert rows[world.b_id].rank == 2


def test_compute_is_refused_once_the_campaign_is_published(world):
    campaign_id, _, _ = real_case_group(world)
    _compute(campaign_id)
    set_campaign_status(campaign_id, CampaignStatus.PUBLISHED)
    with pytest.raises(Conflict) as err:
        _compute(campaign_id)
    assert err.value.status == 409
    assert "đã công bố kết quả" in err.value.message


def test_a_commune_cannot_compute(world):
    campaign_id, _, _ = real_case_group(world)
    with pytest.raises(Forbidden):
        _compute(campaign_id, Scope(world.district_id, world.a_id))


def test_the_secretariat_computes_in_the_authority_scope_and_leadership_may_not(world):
    from dvcq.platform.auth.models import User

    campaign_id, _, _ = real_case_group(world)
    with scoped(Scope(world.district_id)):
        secretariat = db.session.execute(select(User).where(User.login == world.secretariat)).scalar_one()
        leadership = db.session.execute(select(User).where(User.login == world.leadership)).scalar_one()
        with pytest.raises(Forbidden):
            compute(campaign_id, actor=leadership)
        done = compute(campaign_id, actor=secretariat)
    assert (done.units, done.ranked) == (20, 20)


def test_all_item_scores_are_read_in_one_query(world, app):
    campaign_id, _, _ = real_case_group(world)
    statements = []

    def count(conn, cursor, statement, *args):
        if "FROM item_scores" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        _compute(campaign_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_compute_replaces_rows_imported_for_that_year(world):
    version = results_version(world)
    with scoped(SYSTEM):
        db.session.add(
            UnitResult(
                authority_id=world.district_id,
                year=2023,
                unit_id=world.b_id,
                group_name="Khối xã",
                appraised_total=D("70"),
                source="import",
                published=True,
                computed_at=clock.now(),
            )
        )
        db.session.commit()
    campaign_id = make_campaign(world, version)
    add_assessment(campaign_id, world.a_id, world.group_communes_id, appraised="80")
    rows = _compute(campaign_id)
    assert [(r.unit_id, r.source) for r in rows] == [(world.a_id, "campaign")]


# ---- what-if and breakdown -------------------------------------------------------------------------------------


def test_what_if_names_the_fewest_lost_items_to_the_next_level_in_plain_vietnamese(world):
    campaign_id, ids, _ = real_case_group(world)
    _compute(campaign_id)
    with scoped(SYSTEM):
        answer = what_if(ids["a"])
    assert answer.level.needed == D("4.50")
    assert answer.level.items == (("2.3", D("2.00")), ("5.1.b", D("1.50")), ("4.2", D("1.00")))
    # B leads with 88,25: equalling it shares 01/19, so 2,75 — never 2,76
    assert answer.points_to_next_rank == D("2.75")
    assert describe_what_if(answer) == [
        "Cần thêm 4,50 điểm để đạt mức Hoàn thành xuất sắc nhiệm vụ — ví dụ khắc phục các mục "
        "2.3 (2,00 điểm), 5.1.b (1,50 điểm), 4.2 (1,00 điểm).",
        "Cần thêm 2,75 điểm để vươn lên hạng 01/19 (hiện xếp hạng 02/19).",
    ]


def test_what_if_for_the_best_level_and_the_first_rank(world):
    campaign_id, ids, _ = real_case_group(world)
    _compute(campaign_id)
    with scoped(SYSTEM):
        b = what_if(ids["b"])
    assert b.state == "ok" and b.rank.rank == 1 and b.points_to_next_rank is None
    version = results_version(world, name="Bộ khác")
    other = make_campaign(world, version, year=2024)
    best = add_assessment(other, world.a_id, world.group_communes_id, appraised="95")
    with scoped(SYSTEM):
        answer = what_if(best, include_rank=False)
    assert answer.state == "best" and answer.rank is None
    assert describe_what_if(answer) == ["Đơn vị đã đạt mức cao nhất: Hoàn thành xuất sắc nhiệm vụ."]


def test_what_if_before_the_appraisal_is_complete_says_so(world):
    version = results_version(world)
    campaign_id = make_campaign(world, version)
    aid = add_assessment(campaign_id, world.a_id, world.group_communes_id, self_total="90", appraised=None)
    with scoped(SYSTEM):
        answer = what_if(aid)
    assert answer.state == "incomplete"


def test_the_breakdown_lists_each_area_and_the_lost_items_with_the_appraisers_reasons(world):
    campaign_id, ids, _ = real_case_group(world)
    with scoped(SYSTEM):
        b = unit_breakdown(ids["a"])
    assert (b.self_total, b.appraised_total, b.max_total, b.complete) == (D("97.00"), D("85.50"), D("100.00"), True)
    area2 = next(a for a in b.areas if a.code == "2")
    assert (area2.max_points, area2.self_points, area2.appraised_points, area2.lost) == (
        D("20.00"),
        D("19.00"),
        D("16.50"),
        D("3.50"),
    )
    lost = {i.code: i for i in b.lost_items}
    assert len(lost) == 15
    assert lost["2.3"].lost == D("2.00") and lost["2.3"].self_score == D("7.00")
    assert lost["2.3"].reasons == ("Thiếu tài liệu kiểm chứng",)
    assert lost["2.3"].note == "Không có báo cáo số liệu dịch vụ công trực tuyến quý IV"
    assert lost["5.1.b"].reasons == (
        "Thực hiện chưa đầy đủ, chưa kịp thời",
        "Tài liệu kiểm chứng ngoài thời gian đánh giá",
    )
    assert sum(i.lost for i in b.lost_items) == D("14.50")


def test_a_unit_sees_its_breakdown_only_through_its_own_scope(world):
    campaign_id, ids, _ = real_case_group(world)
    with scoped(Scope(world.district_id, world.b_id)), pytest.raises(Exception) as err:
        unit_breakdown(ids["a"])
    assert getattr(err.value, "status", None) == 404


def test_released_statuses_are_the_ones_a_commune_may_see():
    assert RELEASED == (AssessmentStatus.RELEASED, AssessmentStatus.FINAL)


MIXED = {
    "1.1.a": "3",
    "1.1.b": "3",
    "1.2": "4",
    "2": "5",
    "3.1": "4",
    "3.2": "2",
    "T.1": {"max": "2", "kind": "bonus"},
    "T.2.a": {"max": "1", "kind": "bonus"},
    "T.2.b": {"max": "1", "kind": "bonus"},
    "P.1": {"max": "3", "kind": "penalty"},
    "P.2": {"max": "3", "kind": "penalty"},
}


@pytest.mark.parametrize(
    "scores",
    [
        {"1.1.a": "2.5", "1.1.b": "3", "1.2": "1.25", "2": "5", "3.1": "0", "3.2": "2", "T.1": "2", "T.2.a": "1"},
        {"1.1.a": "0", "1.1.b": "0", "1.2": "0", "2": "0", "3.1": "0", "3.2": "0", "P.1": "3", "P.2": "2"},
        {"1.1.a": "3", "1.1.b": "3", "1.2": "4", "2": "5", "3.1": "4", "3.2": "1", "T.1": "1", "P.1": "0.5"},
    ],
)
def test_totals_match_the_engine_on_the_full_tree_with_bonus_penalty_and_top_level_leaves(world, scores):
    version = results_version(world, leaves=MIXED, levels=(("Tốt", "10"), ("Đạt", "0")))
    campaign_id = make_campaign(world, version)
    add_assessment(campaign_id, world.a_id, world.group_communes_id, self_total=scores, appraised=scores)
    row = _by_unit(_compute(campaign_id))[world.a_id]
    with scoped(SYSTEM):
        tree = engine_inputs(version.id).tree
    expected = engine.unit_result(tree, {code: D(value) for code, value in scores.items()})
    assert row.appraised_total == row.self_total == expected.total
    assert json.loads(row.by_area) == {code: f"{value:.2f}" for code, value in expected.by_area.items()}
