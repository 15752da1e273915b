"""Citing library files for items of the self-assessment: many-to-many within one unit, only while the
self-assessment is open (draft, self-assessment stage, before the unit's deadline), audited; a cited file stays."""

import io
import json
import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import User
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.storage import get_storage
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.evidence import citations, library, uploads
from dvcq.scoring.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    CriteriaVersion,
    Evidence,
    EvidenceLink,
    ItemScore,
    Method,
    VersionStatus,
)
from tests.factories import every_group_on


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def build(world, campaign_status=CampaignStatus.SELF_ASSESSMENT, deadline=timedelta(days=5)) -> SimpleNamespace:
    """A campaign with one area and two leaves; communes A and B each have a draft assessment."""
    with scoped(SYSTEM):
        version = CriteriaVersion(
            authority_id=world.district_id,
            name="Bộ tiêu chí thử",
            status=VersionStatus.IN_USE,
            max_total=D("10"),
            created_at=now(),
        )
        db.session.add(version)
        db.session.flush()
        area = CriteriaNode(
            version_id=version.id, code="1", position=0, depth=0, name="Tuyên truyền", max_points=D("10"), is_leaf=False
        )
        db.session.add(area)
        db.session.flush()
        leaves = []
        for position, code in enumerate(("1.1", "1.2"), start=1):
            leaf = CriteriaNode(
                version_id=version.id,
                parent_id=area.id,
                code=code,
                position=position,
                depth=1,
                name=f"Tiêu chí {code}",
                max_points=D("5"),
                method=Method.RANGE,
                step=D("0.25"),
                evidence_required=True,
            )
            db.session.add(leaf)
            leaves.append(leaf)
        campaign = Campaign(
            authority_id=world.district_id,
            year=2026,
            name="Đánh giá năm 2026",
            criteria=every_group_on(world.district_id, version.id),
            status=campaign_status,
            self_assessment_deadline=now() + deadline,
            created_at=now(),
        )
        db.session.add(campaign)
        db.session.flush()
        items, assessments = {}, {}
        for key, unit_id in (("a", world.a_id), ("b", world.b_id)):
            assessment = Assessment(unit_id=unit_id, campaign_id=campaign.id, group_id=world.group_communes_id)
            db.session.add(assessment)
            db.session.flush()
            assessments[key] = assessment.id
            for leaf in leaves:
                item = ItemScore(
                    unit_id=unit_id, assessment_id=assessment.id, node_id=leaf.id, node_position=leaf.position
                )
                db.session.add(item)
                db.session.flush()
                items[(key, leaf.code)] = item.id
        db.session.commit()
        return SimpleNamespace(campaign_id=campaign.id, assessments=assessments, items=items)


def actor(login: str):
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


def act(login: str):
    """The user and their request scope (a context manager: use it once)."""
    user = actor(login)
    return user, scoped(Scope.for_unit(user.unit))


def pdf() -> bytes:
    return b"%PDF-1.7\n" + os.urandom(500)


def put_file(login: str, name: str) -> int:
    user, scope = act(login)
    with scope:
        return uploads.upload(user, user.unit_id, FileStorage(io.BytesIO(pdf()), filename=name), {}).id


def links() -> list[tuple[int, int, str]]:
    with scoped(SYSTEM):
        rows = db.session.execute(select(EvidenceLink).order_by(EvidenceLink.id)).scalars()
        return [(r.item_id, r.evidence_id, r.page_ref) for r in rows]


def set_state(campaign_id=None, assessment_id=None, **values):
    with scoped(SYSTEM):
        row = db.session.get(Campaign, campaign_id) if campaign_id else db.session.get(Assessment, assessment_id)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


@pytest.fixture
def setup(world):
    c = build(world)
    c.world = world
    c.report = put_file(world.officer_a, "Báo cáo năm 2025.pdf")
    c.plan = put_file(world.officer_a, "Kế hoạch năm 2025.pdf")
    c.b_file = put_file(world.officer_b, "Báo cáo xã Bình Đông.pdf")
    return c


def test_one_file_supports_several_items_and_an_item_cites_several_files(setup):
    user, scope = act(setup.world.officer_a)
    a11, a12 = setup.items[("a", "1.1")], setup.items[("a", "1.2")]
    with scope:
        citations.link(user, a11, setup.report, "trang 3")
        citations.link(user, a12, setup.report, "mục II.2")
        citations.link(user, a11, setup.plan, "")
    assert links() == [(a11, setup.report, "trang 3"), (a12, setup.report, "mục II.2"), (a11, setup.plan, "")]


def test_links_and_unlinks_are_audited(setup):
    user, scope = act(setup.world.leader_a)
    with scope:
        row = citations.link(user, setup.items[("a", "1.1")], setup.report, "trang 3")
        citations.unlink(user, row.id)
    assert links() == []
    with scoped(SYSTEM):
        records = db.session.execute(
            select(AuditRecord).where(AuditRecord.action.like("evidence.%link%")).order_by(AuditRecord.seq)
        ).scalars()
        records = list(records)
    assert [r.action for r in records] == ["evidence.linked", "evidence.unlinked"]
    assert all(r.actor_login == "lanhdao.a" and r.unit_id == setup.world.a_id for r in records)
    assert '"page_ref": "trang 3"' in records[0].after and "Báo cáo năm 2025.pdf" in records[1].before
    cited = {
        "item": "1.1",
        "item_id": setup.items[("a", "1.1")],
        "evidence": "Báo cáo năm 2025.pdf",
        "evidence_id": setup.report,
        "page_ref": "trang 3",
    }
    assert json.loads(records[0].after) == cited == json.loads(records[1].before)


def test_the_same_file_twice_on_one_item_is_refused(setup):
    user, scope = act(setup.world.officer_a)
    with scope:
        citations.link(user, setup.items[("a", "1.1")], setup.report, "trang 3")
        with pytest.raises(ServiceError, match="đã được gắn cho tiêu chí 1.1"):
            citations.link(user, setup.items[("a", "1.1")], setup.report, "trang 4")
    assert len(links()) == 1


@pytest.mark.parametrize("which", ["foreign_file", "foreign_item", "missing_item", "missing_file"])
def test_item_and_file_must_be_of_the_unit_else_404(setup, which):
    user, scope = act(setup.world.officer_a)
    item, evidence = setup.items[("a", "1.1")], setup.report
    if which == "foreign_file":
        evidence = setup.b_file
    elif which == "foreign_item":
        item = setup.items[("b", "1.1")]
    elif which == "missing_item":
        item = 999999
    else:
        evidence = 999999
    with scope, pytest.raises(ServiceError) as refused:
        citations.link(user, item, evidence, "")
    assert refused.value.status == 404
    assert links() == []


def test_linking_as_the_system_scope_still_refuses_mixing_units(setup):
    """Even where the tenancy guard sees everything, an item of A never cites B's file."""
    user = actor(setup.world.officer_a)
    with scoped(SYSTEM), pytest.raises(ServiceError) as refused:
        citations.link(user, setup.items[("a", "1.1")], setup.b_file, "")
    assert refused.value.status == 404


def test_authority_staff_cannot_link(setup):
    user, scope = act(setup.world.secretariat)
    with scope, pytest.raises(ServiceError) as refused:
        citations.link(user, setup.items[("a", "1.1")], setup.report, "")
    assert refused.value.status == 403


def _refused_409(setup, match: str):
    user, scope = act(setup.world.officer_a)
    with scope, pytest.raises(ServiceError, match=match) as refused:
        citations.link(user, setup.items[("a", "1.1")], setup.report, "")
    assert refused.value.status == 409
    assert links() == []


def test_a_submitted_assessment_refuses_links(setup):
    set_state(assessment_id=setup.assessments["a"], status=AssessmentStatus.SUBMITTED)
    _refused_409(setup, "đã nộp")


def test_a_campaign_past_self_assessment_refuses_links(setup):
    set_state(campaign_id=setup.campaign_id, status=CampaignStatus.APPRAISAL)
    _refused_409(setup, "Thẩm định")


def test_after_the_deadline_links_are_refused(setup):
    set_state(campaign_id=setup.campaign_id, self_assessment_deadline=now() - timedelta(minutes=1))
    _refused_409(setup, "Đã hết hạn tự đánh giá")


def test_a_units_own_extension_keeps_it_open(setup):
    set_state(campaign_id=setup.campaign_id, self_assessment_deadline=now() - timedelta(minutes=1))
    set_state(assessment_id=setup.assessments["a"], self_deadline=now() + timedelta(days=1))
    user, scope = act(setup.world.officer_a)
    with scope:
        citations.link(user, setup.items[("a", "1.1")], setup.report, "")
    assert len(links()) == 1


def test_unlink_is_refused_once_submitted(setup):
    user, scope = act(setup.world.officer_a)
    with scope:
        row_id = citations.link(user, setup.items[("a", "1.1")], setup.report, "").id
    set_state(assessment_id=setup.assessments["a"], status=AssessmentStatus.SUBMITTED)
    user, scope = act(setup.world.officer_a)
    with scope, pytest.raises(ServiceError) as refused:
        citations.unlink(user, row_id)
    assert refused.value.status == 409
    assert len(links()) == 1


def test_another_unit_cannot_unlink(setup):
    user, scope = act(setup.world.officer_a)
    with scope:
        row_id = citations.link(user, setup.items[("a", "1.1")], setup.report, "").id
    other, other_scope = act(setup.world.officer_b)
    with other_scope, pytest.raises(ServiceError) as refused:
        citations.unlink(other, row_id)
    assert refused.value.status == 404
    assert len(links()) == 1


def test_a_page_reference_is_checked(setup):
    user, scope = act(setup.world.officer_a)
    with scope, pytest.raises(ServiceError, match="tối đa 200 ký tự"):
        citations.link(user, setup.items[("a", "1.1")], setup.report, "x" * 201)
    assert links() == []


# ---- over HTTP, and what the library shows ------------------------------------------------------------------------


def test_linking_over_http_shows_in_the_library_and_blocks_deletion(setup, make_browser, app):
    browser = make_browser()
    browser.login(setup.world.officer_a)
    item = setup.items[("a", "1.2")]
    payload = {"item_id": item, "evidence_id": setup.report, "page_ref": "tr. 5"}
    answer = browser.post_json("/tai-lieu/lien-ket", payload)
    assert answer.status_code == 201 and answer.json["page_ref"] == "tr. 5"
    library = browser.get("/tai-lieu/").get_data(as_text=True)
    assert "2026 · 1.2 (tr. 5)" in library
    assert "Đang dẫn chứng cho 1 tiêu chí nên không xoá được" in library

    refused = browser.post(f"/tai-lieu/{setup.report}/xoa")
    assert refused.status_code == 409
    assert "đang được dẫn chứng cho 1 tiêu chí nên không xoá được" in refused.get_data(as_text=True)
    with scoped(SYSTEM):
        key = db.session.execute(select(Evidence.storage_key).where(Evidence.id == setup.report)).scalar_one()
    assert get_storage(app).exists(key)

    unlinked = browser.post(f"/tai-lieu/lien-ket/{answer.json['id']}/bo", {"next": "/tai-lieu/"})
    assert unlinked.status_code == 302
    assert browser.post(f"/tai-lieu/{setup.report}/xoa").status_code == 302
    assert not get_storage(app).exists(key)


def test_a_form_post_link_redirects_back_only_to_a_local_page(setup, make_browser):
    browser = make_browser()
    browser.login(setup.world.officer_a)
    data = {"item_id": setup.items[("a", "1.1")], "evidence_id": setup.plan, "next": "https://evil.example/"}
    response = browser.post("/tai-lieu/lien-ket", data)
    assert response.status_code == 302 and response.headers["Location"] == "/tai-lieu/"


def test_a_link_after_the_deadline_over_http_is_409_in_vietnamese(setup, make_browser):
    set_state(campaign_id=setup.campaign_id, self_assessment_deadline=now() - timedelta(minutes=1))
    browser = make_browser()
    browser.login(setup.world.officer_a)
    answer = browser.post_json(
        "/tai-lieu/lien-ket", {"item_id": setup.items[("a", "1.1")], "evidence_id": setup.report}
    )
    assert answer.status_code == 409 and "Đã hết hạn tự đánh giá" in answer.json["error"]
    with scoped(SYSTEM):
        assert db.session.execute(select(func.count(EvidenceLink.id))).scalar_one() == 0


def test_a_cited_file_cannot_be_deleted_even_through_the_service(setup):
    user, scope = act(setup.world.officer_a)
    with scope:
        citations.link(user, setup.items[("a", "1.1")], setup.report, "")
        with pytest.raises(ServiceError) as refused:
            library.delete(user, setup.report)
    assert refused.value.status == 409
    with scoped(SYSTEM):
        assert db.session.get(Evidence, setup.report) is not None
