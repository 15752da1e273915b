"""A cited file's details are frozen with the dossier (issue 14, item 5): once a dossier citing the file is submitted,
its number, date, issuer and description change no more — like its scores — and the edit page says why and that a
correction goes through the explanation round. Withdrawing the dossier opens them again; a file no submitted dossier
cites stays editable."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from dvcq.platform.auth.models import User
from dvcq.platform.errors import Conflict
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.evidence import library, uploads
from dvcq.scoring.evidence.library import fingerprint
from dvcq.scoring.models import Assessment, AssessmentStatus, Campaign, CampaignStatus, Evidence, EvidenceLink
from tests.scoring.appraisal_factories import build_campaign

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FROZEN = "đã nộp"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _officer(world) -> User:
    return db.session.execute(select(User).where(User.login == world.officer_a)).scalar_one()


def _upload(world, name: str) -> int:
    with scoped(Scope.for_unit(_officer(world).unit)):
        content = PDF + f"% {name}\n".encode()  # two files, two contents (a library refuses a duplicate)
        data = FileStorage(io.BytesIO(content), filename=name, content_type="application/pdf")
        return uploads.upload(_officer(world), world.a_id, data, {"doc_number": "07/KH-UBND"}).id


@pytest.fixture
def dossier(world):
    """A's 2026 dossier in the self-assessment stage (deadline ahead), a draft citing `cited`; `loose` cited by none."""
    campaign = build_campaign(world, status=CampaignStatus.SELF_ASSESSMENT)
    cited, loose = _upload(world, "Kế hoạch.pdf"), _upload(world, "Báo cáo.pdf")
    with scoped(SYSTEM):
        db.session.get(Campaign, campaign.id).self_assessment_deadline = _now() + timedelta(days=5)
        db.session.get(Assessment, campaign.assessment_ids["a"]).status = AssessmentStatus.DRAFT
        item_id = campaign.item_ids[("a", "1.1")]
        db.session.add(EvidenceLink(unit_id=world.a_id, item_id=item_id, evidence_id=cited, added_at=_now()))
        db.session.commit()
    db.session.remove()
    return campaign, cited, loose


def _set(assessment_id: int, status: AssessmentStatus, campaign_status: CampaignStatus | None = None) -> None:
    with scoped(SYSTEM):
        assessment = db.session.get(Assessment, assessment_id)
        assessment.status = status
        if campaign_status is not None:
            assessment.campaign.status = campaign_status
        db.session.commit()


def _saved(evidence_id: int) -> Evidence:
    db.session.expunge_all()
    with scoped(SYSTEM):
        return db.session.get(Evidence, evidence_id)


def _edit(browser, evidence_id: int, number: str):
    return browser.post(
        f"/tai-lieu/{evidence_id}/sua",
        {"doc_number": number, "issuer": "UBND xã", "seen": fingerprint(_saved(evidence_id))},
    )


def _signed_in(make_browser, login):
    browser = make_browser()
    assert browser.login(login).status_code == 302
    return browser


def test_a_draft_dossiers_file_is_still_editable(world, dossier, make_browser):
    _, cited, _ = dossier
    assert _edit(_signed_in(make_browser, world.officer_a), cited, "08/KH-UBND").status_code == 302
    assert _saved(cited).doc_number == "08/KH-UBND"


@pytest.mark.parametrize(
    ("status", "stage"),
    [
        (AssessmentStatus.SUBMITTED, None),
        (AssessmentStatus.APPRAISED, CampaignStatus.APPRAISAL),
        (AssessmentStatus.RELEASED, CampaignStatus.EXPLANATION),
    ],
)
def test_once_submitted_the_cited_files_details_are_frozen(world, dossier, make_browser, status, stage):
    campaign, cited, _ = dossier
    _set(campaign.assessment_ids["a"], status, stage)
    officer = _signed_in(make_browser, world.leader_a)
    form = officer.get(f"/tai-lieu/{cited}/sua").get_data(as_text=True)
    assert FROZEN in form and "giải trình" in form
    response = _edit(officer, cited, "08/KH-UBND")
    text = response.get_data(as_text=True)
    assert response.status_code == 409 and FROZEN in text and "giải trình" in text
    assert _saved(cited).doc_number == "07/KH-UBND"


def test_the_service_refuses_too(world, dossier):
    campaign, cited, _ = dossier
    _set(campaign.assessment_ids["a"], AssessmentStatus.SUBMITTED)
    with scoped(Scope.for_unit(_officer(world).unit)):
        officer = _officer(world)
        evidence = db.session.get(Evidence, cited)
        with pytest.raises(Conflict, match=FROZEN):
            library.update_meta(officer, cited, {"doc_number": "08/KH-UBND"}, fingerprint(evidence))


def test_a_file_no_submitted_dossier_cites_stays_editable(world, dossier, make_browser):
    campaign, _, loose = dossier
    _set(campaign.assessment_ids["a"], AssessmentStatus.SUBMITTED)
    assert _edit(_signed_in(make_browser, world.officer_a), loose, "09/KH-UBND").status_code == 302
    assert _saved(loose).doc_number == "09/KH-UBND"


def test_withdrawing_the_dossier_opens_the_details_again(world, dossier, make_browser):
    campaign, cited, _ = dossier
    _set(campaign.assessment_ids["a"], AssessmentStatus.SUBMITTED)
    officer = _signed_in(make_browser, world.officer_a)
    assert _edit(officer, cited, "08/KH-UBND").status_code == 409
    _set(campaign.assessment_ids["a"], AssessmentStatus.DRAFT)
    assert _edit(officer, cited, "08/KH-UBND").status_code == 302
    assert _saved(cited).doc_number == "08/KH-UBND"
