"""The demo's running 2026 campaign: Tỉnh Quảng Ngãi in the appraisal stage on its 8 new communes and 5 agencies, with
a unit at every stage a newcomer should see — played through the services over the weeks before today, so the audit
log tells it in order — its evidence real PDFs; seeding twice changes nothing."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dvcq.platform import clock, demo, registry
from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import User
from dvcq.platform.errors import Conflict
from dvcq.platform.extensions import db
from dvcq.platform.notifications import Notification
from dvcq.platform.storage import get_storage
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.appraisal import explanations, queries, release
from dvcq.scoring.appraisal import services as appraisal
from dvcq.scoring.campaigns import services
from dvcq.scoring.campaigns.demo import STAGES, Stage, logins, seed_campaign_2026
from dvcq.scoring.criteria.demo import seed_sample_criteria
from dvcq.scoring.models import (
    AppraisalAssignment,
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    Evidence,
    EvidenceLink,
    Explanation,
    ItemScore,
)
from dvcq.scoring.selfassessment import services as selfassessment
from dvcq.tenants import demo as tenants_demo
from dvcq.tenants.models import Unit
from tests.scoring.test_demo_evidence import NUMBER, _read


def _state():
    db.session.expire_all()
    return {
        "campaigns": db.session.execute(select(Campaign.id, Campaign.status, Campaign.version)).all(),
        "items": db.session.execute(
            select(ItemScore.id, ItemScore.self_score, ItemScore.appraised_score, ItemScore.version).order_by(
                ItemScore.id
            )
        ).all(),
        "assessments": db.session.execute(
            select(Assessment.id, Assessment.status, Assessment.version).order_by(Assessment.id)
        ).all(),
        "evidence": db.session.execute(select(Evidence.id, Evidence.sha256).order_by(Evidence.id)).all(),
        "audit": db.session.execute(select(func.count(AuditRecord.id))).scalar_one(),
    }


@pytest.fixture
def seeded(app, monkeypatch):
    """The tenants, the criteria and the campaign seeders, as `dvcq demo` runs them."""
    seeders = [tenants_demo.seed, seed_sample_criteria, seed_campaign_2026]
    monkeypatch.setattr(registry.of(app), "demo_seeders", seeders)
    with scoped(SYSTEM):
        demo.seed()
        province = db.session.execute(select(Unit).where(Unit.code == "QNG")).scalar_one()
        campaign = db.session.execute(
            select(Campaign).where(Campaign.authority_id == province.id, Campaign.year == 2026)
        ).scalar_one()
        rows = {a.unit.code: a for a in services.participants(campaign)}
        yield campaign, rows


def _user(login: str) -> User:
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


def _explanations(assessment: Assessment) -> list[Explanation]:
    return list(
        db.session.execute(
            select(Explanation).join(ItemScore).where(ItemScore.assessment_id == assessment.id)
        ).scalars()
    )


def test_the_province_appraises_2026_with_a_unit_at_every_stage(seeded):
    campaign, rows = seeded
    assert campaign.status == CampaignStatus.APPRAISAL
    sets = {c.group.name: c.criteria_version for c in campaign.criteria}
    assert sets["Khối xã"].max_total == 100 and sets["Khối cơ quan"].max_total == 90
    assert sorted(rows) == sorted(STAGES) and len(rows) == 13
    today = clock.today_in_vietnam()
    assert campaign.self_assessment_deadline < clock.now() < campaign.explanation_deadline
    assert campaign.explanation_deadline == services.end_of_day(today + timedelta(days=28))
    status = {code: a.status for code, a in rows.items()}
    progress = appraisal.progress(campaign.id)

    # drafting: Ba Xa scored part of its dossier and, after the floods, holds an individual extension that runs a week
    # past today — into the appraisal stage: its dossier stays live for its officer, private and not yet appraised
    ba_xa = rows["QNG-BXA"]
    assert status["QNG-BXA"] == AssessmentStatus.DRAFT and "mưa lũ" in ba_xa.self_deadline_reason
    assert ba_xa.self_deadline == services.end_of_day(today + timedelta(days=7))
    scored = db.session.execute(
        select(func.count(ItemScore.id)).where(ItemScore.assessment_id == ba_xa.id, ItemScore.self_score.is_not(None))
    ).scalar_one()
    assert 0 < scored < progress[ba_xa.id][1]
    officer = _user("canbo.baxa")
    view = selfassessment.page(officer, ba_xa.id)
    assert view.can_edit and view.locked_reason == "" and view.time_left == "còn 7 ngày"
    assert selfassessment.editable_assessment(officer).id == ba_xa.id
    assert not appraisal.open_for_appraisal(ba_xa)
    advanced = (
        db.session.execute(
            select(AuditRecord).where(AuditRecord.action == "campaign.advance").order_by(AuditRecord.seq.desc())
        )
        .scalars()
        .first()
    )
    assert '"on_extension": ["QNG-BXA"]' in advanced.after and "unsubmitted" not in advanced.after

    # submitted through the real check (nothing missing), waiting for appraisal
    secretariat = _user("thuongtruc")
    for code in ("QNG-BVN", "QNG-SNV"):
        assert status[code] == AssessmentStatus.SUBMITTED and progress[rows[code].id][0] == 0
        assert selfassessment.precheck(secretariat, rows[code].id) == []
    # under appraisal: about half the items appraised
    for code in ("QNG-BDI", "QNG-STP"):
        done, total = progress[rows[code].id]
        assert status[code] == AssessmentStatus.APPRAISING and 0.2 * total < done < 0.8 * total
    # appraised in full, two items lowered with reasons, not yet released
    assert status["QNG-BDO"] == AssessmentStatus.APPRAISED
    lowered = (
        db.session.execute(
            select(ItemScore).where(
                ItemScore.assessment_id == rows["QNG-BDO"].id, ItemScore.appraised_score < ItemScore.self_score
            )
        )
        .scalars()
        .all()
    )
    assert {i.node.code for i in lowered} == {"7.3.a", "2.1.b"} and all(i.deduction_reasons for i in lowered)
    # released, points deducted, nothing explained yet
    for code in ("QNG-BVI", "QNG-VP"):
        assert status[code] == AssessmentStatus.RELEASED and not _explanations(rows[code])
        assert rows[code].explanation_deadline == campaign.explanation_deadline
    # explaining: a draft the leader has not sent; one sent with the missing minutes; one answered
    draft = _explanations(rows["QNG-DTT"])
    assert [(e.draft, e.item.node.code) for e in draft] == [(True, "7.3.a")]
    (sent,) = _explanations(rows["QNG-BTO"])
    assert not sent.draft and sent.answered_at is None and sent.requested_score == sent.item.self_score
    (attachment,) = sent.attachments
    assert attachment.evidence.original_name.startswith("Biên bản đối thoại lần 2")
    (kept,) = _explanations(rows["QNG-SGD"])
    assert kept.item.node.code == "2.3.b" and kept.answered_score == kept.item.appraised_score
    assert rows["QNG-SGD"].explanation_closed_at is None
    # final: Ba Tơ's explanation upheld and its round ended; Sở Tài chính ended its round without explaining
    (upheld,) = _explanations(rows["QNG-BATO"])
    assert upheld.item.final_score == upheld.item.self_score > upheld.item.appraised_score
    assert upheld.read_by_unit_at is not None
    for code in ("QNG-BATO", "QNG-STC"):
        assert rows[code].explanation_closed_at is not None
        with pytest.raises(Conflict, match="đã kết thúc giải trình"):
            explanations.assert_open(rows[code])
    assert not _explanations(rows["QNG-STC"])
    assert release.units_in_window(campaign.id) and explanations.unanswered_count(campaign.id) == 1

    # the appraisers: the communes' areas split between them, each agency to one of them
    assignments = db.session.execute(select(AppraisalAssignment)).scalars().all()
    assert {a.appraiser.login for a in assignments} == {"thamdinh1", "thamdinh2"}
    assert {a.unit.code for a in assignments if a.unit_id} == {"QNG-VP", "QNG-SNV", "QNG-STP", "QNG-STC", "QNG-SGD"}
    communes_areas = next(areas for version, areas in queries.areas_of(campaign) if version.max_total == 100)
    assert sorted(a.area_id for a in assignments if a.area_id) == sorted(a.id for a in communes_areas)
    # every stage a newcomer reads is there, and the printed logins say which unit shows it
    assert {stage for stage in STAGES.values()} == set(Stage)
    printed = {login: what for login, _, what in logins()}
    assert "đang giải trình" in printed["canbo.batoo"]
    extended_to = (today + timedelta(days=7)).strftime("%d/%m/%Y")
    assert printed["canbo.baxa"] == f"Kỳ 2026: Xã Ba Xa — đang tự chấm (được gia hạn riêng đến {extended_to})"
    assert "bản nháp chờ lãnh đạo gửi" in printed["lanhdao.dangthuytram"]


def test_the_story_runs_in_order_over_the_weeks_before_today_on_real_pdfs_and_seeding_again_changes_nothing(seeded):
    campaign, rows = seeded
    created = db.session.execute(select(AuditRecord.seq).where(AuditRecord.action == "campaign.create")).scalar_one()
    records = db.session.execute(
        select(AuditRecord.at, AuditRecord.action).where(AuditRecord.seq >= created).order_by(AuditRecord.seq)
    ).all()
    times = [at for at, _ in records]
    assert times == sorted(times)  # the audit log reads as it happened
    moments = defaultdict(list)
    for at, action in records:
        moments[action].append(at)
    opened, to_appraisal = moments["campaign.advance"]
    first_upload, last_submit = moments["evidence.uploaded"][0], moments["selfassessment.submit"][-1]
    assert opened < first_upload < last_submit < to_appraisal < moments["appraisal.released"][0]
    assert clock.now() - opened > timedelta(days=50)
    assert timedelta(days=1) < clock.now() - moments["explanation.round_closed"][-1] < timedelta(days=10)
    # the units were told, as in real use
    notices = db.session.execute(select(Notification.kind)).scalars().all()
    assert {"campaign.opened", "released", "answered", "contested"} <= set(notices)

    # the evidence: real PDFs, through the upload service, cited with their pages
    files = db.session.execute(select(Evidence)).scalars().all()
    assert len(files) == 4 * 13 + 3  # each unit's four, and the minutes sent with the three explanations sent
    for evidence in files:
        assert NUMBER.match(evidence.doc_number) and evidence.content_type == "application/pdf"
        assert "Xã Xã" not in evidence.issuer and "xã Xã" not in evidence.issuer
    ba_to = [e for e in files if e.unit_id == rows["QNG-BTO"].unit_id]
    assert {e.issuer for e in ba_to} == {"UBND xã Ba Tô"}
    stream = get_storage().open(ba_to[0].storage_key)
    try:
        pages, text = _read(stream.read())
    finally:
        stream.close()
    assert pages >= 2 and "ỦY BAN NHÂN DÂN XÃ BA TÔ" in text and "Ba Tô, ngày" in text
    assert re.search(r"Số: \d{2,3}/(KH|QĐ|BC|BB)-UBND", text)
    links = db.session.execute(select(EvidenceLink).where(EvidenceLink.unit_id == rows["QNG-BTO"].unit_id)).scalars()
    refs = {link.page_ref for link in links}
    assert refs and refs <= {"tr. 1", "tr. 2", "tr. 1-2"}

    before = _state()
    demo.seed()
    assert _state() == before
