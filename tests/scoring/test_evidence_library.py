"""The unit's evidence library: who sees and downloads what (a foreign unit's file answers like a missing one),
metadata edits with conflicts, deletes, the inline viewer's headers, the nav item."""

import difflib
import io
import os
import re

import pytest
from sqlalchemy import func, select

from dvcq.platform.audit import AuditRecord
from dvcq.platform.extensions import db
from dvcq.platform.storage import get_storage
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.evidence.library import fingerprint
from dvcq.scoring.evidence.views import file_size
from dvcq.scoring.models import Evidence

NAME = "Kế hoạch tuyên truyền năm 2025 – Xã An Bình.pdf"
MISSING = 987654


def pdf(size: int = 3000) -> bytes:
    return b"%PDF-1.7\n" + os.urandom(size - 9)


def upload(browser, name=NAME, data=None, **meta) -> Evidence:
    data = data if data is not None else pdf()
    response = browser.post(
        "/tai-lieu/tai-len", {"file": (io.BytesIO(data), name), **meta}, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with scoped(SYSTEM):
        return db.session.execute(select(Evidence).order_by(Evidence.id.desc()).limit(1)).scalar_one()


def page(response) -> str:
    return response.get_data(as_text=True)


def body(response) -> str:
    """The page byte for byte, but for the CSRF token in its <meta>, which is signed anew with each request."""
    return re.sub(rb'name="csrf-token" content="[^"]+"', b"", response.data).decode()


def assert_same_404(foreign, missing) -> None:
    assert foreign.status_code == missing.status_code == 404
    diff = list(difflib.unified_diff(body(missing).splitlines(), body(foreign).splitlines(), lineterm=""))
    assert not diff, "\n".join(diff)


def saved(evidence_id: int) -> Evidence | None:
    """The row as the database has it now (requests run in their own sessions)."""
    db.session.expunge_all()  # fixtures keep their loaded values; this reads anew
    with scoped(SYSTEM):
        return db.session.get(Evidence, evidence_id)


def audit_actions() -> list[str]:
    with scoped(SYSTEM):
        return list(db.session.execute(select(AuditRecord.action).order_by(AuditRecord.seq)).scalars())


@pytest.fixture
def a_file(world, make_browser):
    """Commune A's officer uploads one file."""
    browser = make_browser()
    browser.login(world.officer_a)
    return upload(browser, doc_number="07/KH-UBND", doc_date="05/03/2025", issuer="UBND xã An Bình")


def assign_to_a(world, login: str = "thamdinh") -> None:
    """The appraiser is assigned to commune A in a campaign (appraisers see only the units they are assigned to)."""
    from datetime import UTC, datetime

    from dvcq.platform.auth.models import User
    from dvcq.scoring.models import AppraisalAssignment
    from tests.scoring.appraisal_factories import build_campaign

    campaign = build_campaign(world)
    with scoped(SYSTEM):
        appraiser_id = db.session.execute(select(User.id).where(User.login == login)).scalar_one()
        db.session.add(
            AppraisalAssignment(
                authority_id=world.district_id,
                campaign_id=campaign.id,
                appraiser_id=appraiser_id,
                unit_id=world.a_id,
                created_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
        db.session.commit()


def logged_in(make_browser, login):
    browser = make_browser()
    browser.login(login)
    return browser


# ---- who sees what ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["/tai-lieu/{id}/tai-ve", "/tai-lieu/{id}/xem", "/tai-lieu/{id}/sua"])
def test_commune_b_gets_404_for_a_file_of_a_exactly_like_a_missing_one(world, a_file, make_browser, route):
    b = logged_in(make_browser, world.officer_b)
    foreign = b.get(route.format(id=a_file.id))
    missing = b.get(route.format(id=MISSING))
    assert_same_404(foreign, missing)
    assert NAME not in page(foreign)


def test_commune_b_cannot_see_a_library_of_a(world, a_file, make_browser):
    b = logged_in(make_browser, world.officer_b)
    foreign = b.get(f"/tai-lieu/don-vi/{world.a_id}")
    missing = b.get(f"/tai-lieu/don-vi/{MISSING}")
    assert_same_404(foreign, missing)
    own = page(b.get("/tai-lieu/"))
    assert "Xã Bình Đông" in own and NAME not in own and "Thư viện chưa có tài liệu nào." in own


@pytest.mark.parametrize("route", ["/tai-lieu/{id}/xoa", "/tai-lieu/{id}/sua"])
def test_commune_b_cannot_change_a_file_of_a(world, a_file, make_browser, route, app):
    b = logged_in(make_browser, world.leader_b)
    foreign = b.post(route.format(id=a_file.id), {"doc_number": "bị sửa", "seen": fingerprint(a_file)})
    missing = b.post(route.format(id=MISSING), {"doc_number": "bị sửa"})
    assert_same_404(foreign, missing)
    assert saved(a_file.id).doc_number == "07/KH-UBND"
    assert get_storage(app).exists(a_file.storage_key)


def test_a_unit_of_another_district_gets_404(world, a_file, make_browser):
    far = logged_in(make_browser, world.officer_far)
    assert far.get(f"/tai-lieu/{a_file.id}/tai-ve").status_code == 404
    assert far.get(f"/tai-lieu/don-vi/{world.a_id}").status_code == 404


@pytest.mark.parametrize("login", ["thuongtruc", "lanhdao", "thamdinh"])
def test_authority_staff_see_the_library_and_download(world, a_file, make_browser, login):
    assign_to_a(world)
    staff = logged_in(make_browser, login)
    units = page(staff.get("/tai-lieu/"))
    assert "Xã An Bình" in units and f"/tai-lieu/don-vi/{world.a_id}" in units
    library = page(staff.get(f"/tai-lieu/don-vi/{world.a_id}"))
    assert NAME in library and "07/KH-UBND" in library
    assert "Tải lên tài liệu" not in library and "Xoá" not in library  # read only
    download = staff.get(f"/tai-lieu/{a_file.id}/tai-ve")
    assert download.status_code == 200 and len(download.data) == a_file.size


def test_an_appraiser_not_assigned_to_the_unit_may_not_read_its_evidence(world, a_file, make_browser):
    """...and cannot tell an existing file of a unit not assigned to them from a missing one (issue 14, item 4)."""
    assign_to_a(world, "thamdinh")
    other = logged_in(make_browser, world.appraiser2)
    for url in ("/tai-lieu/don-vi/{}", "/tai-lieu/{}/tai-ve", "/tai-lieu/{}/xem"):
        foreign = other.get(url.format(world.a_id if "don-vi" in url else a_file.id))
        assert_same_404(foreign, other.get(url.format(MISSING)))
        assert NAME not in page(foreign)
    assert "Xã An Bình" not in page(other.get("/tai-lieu/"))  # not even in the list of libraries


def test_the_administrator_may_not_read_evidence(world, a_file, make_browser):
    admin = logged_in(make_browser, world.admin)
    assert admin.get(f"/tai-lieu/{a_file.id}/tai-ve").status_code == 403
    assert admin.get("/tai-lieu/").status_code == 403


def test_anonymous_users_are_sent_to_login(world, a_file, app):
    response = app.test_client().get(f"/tai-lieu/{a_file.id}/tai-ve")
    assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"]


def test_authority_staff_cannot_change_a_unit_file(world, a_file, make_browser):
    staff = logged_in(make_browser, world.secretariat)
    assert staff.post(f"/tai-lieu/{a_file.id}/xoa").status_code == 403
    assert staff.post(f"/tai-lieu/{a_file.id}/sua", {"doc_number": "x"}).status_code == 403


# ---- the library page ---------------------------------------------------------------------------------------------


def test_officers_and_leaders_have_the_nav_item_and_a_home_card(world, make_browser):
    for login in (world.officer_a, world.leader_a):
        home = page(logged_in(make_browser, login).get("/"))
        assert 'href="/tai-lieu/">Tài liệu kiểm chứng</a>' in home
        assert "Thư viện của đơn vị có 0 tệp" in home
    appraiser_home = page(logged_in(make_browser, world.appraiser).get("/"))
    assert 'href="/tai-lieu/">Tài liệu kiểm chứng</a>' not in appraiser_home


def test_the_library_lists_name_number_date_issuer_size_and_uploader(world, make_browser):
    officer = logged_in(make_browser, world.officer_a)
    upload(officer, data=pdf(1_258_291), doc_number="07/KH-UBND", doc_date="5/3/2025", issuer="UBND xã An Bình")
    leader = logged_in(make_browser, world.leader_a)
    upload(leader, name="Ảnh hội nghị.png", data=b"\x89PNG\r\n\x1a\n" + bytes(100))
    listing = page(leader.get("/tai-lieu/"))
    for text in (NAME, "07/KH-UBND", "05/03/2025", "UBND xã An Bình", "1,2 MB", "Nguyễn Văn An", "Trần Thị Lãnh"):
        assert text in listing
    assert "Ảnh hội nghị.png" in listing and "108 B" in listing
    assert listing.index("Ảnh hội nghị.png") < listing.index(NAME)  # newest first
    assert "Chưa dùng" in listing


@pytest.mark.parametrize(
    "size, shown", [(0, "0 B"), (1023, "1023 B"), (1024, "1 KB"), (250_000, "244 KB"), (1_258_291, "1,2 MB")]
)
def test_sizes_are_shown_with_a_decimal_comma(size, shown):
    assert file_size(size) == shown


def test_the_upload_page_states_the_limit_and_the_types(world, make_browser, app):
    app.config["MAX_UPLOAD_MB"] = 15
    text = page(logged_in(make_browser, world.officer_a).get("/tai-lieu/tai-len"))
    assert "tối đa 15 MB" in text and "PDF, DOCX, XLSX, ODT, ODS, JPG, PNG" in text
    assert 'enctype="multipart/form-data"' in text and 'name="csrf_token"' in text
    assert f'data-max-bytes="{15 * 1024 * 1024}"' in text and 'accept=".pdf,.docx' in text
    assert "<script>" not in text  # the size check lives in a static file (the CSP forbids inline scripts)


def test_an_upload_without_a_csrf_token_is_refused(world, make_browser, app):
    officer = logged_in(make_browser, world.officer_a)
    response = officer.client.post(
        "/tai-lieu/tai-len", data={"file": (io.BytesIO(pdf()), NAME)}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    with scoped(SYSTEM):
        assert db.session.execute(select(func.count(Evidence.id))).scalar_one() == 0


# ---- inline viewing -----------------------------------------------------------------------------------------------


def test_a_pdf_is_viewable_inline_in_a_sandbox(world, a_file, make_browser):
    assign_to_a(world)
    response = logged_in(make_browser, world.appraiser).get(f"/tai-lieu/{a_file.id}/xem")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("sandbox;")


def test_a_document_is_not_shown_inline_but_downloaded(world, make_browser):
    import docx

    out = io.BytesIO()
    docx.Document().save(out)
    officer = logged_in(make_browser, world.officer_a)
    evidence = upload(officer, name="Kế hoạch.docx", data=out.getvalue())
    response = officer.get(f"/tai-lieu/{evidence.id}/xem")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tai-lieu/{evidence.id}/tai-ve")


# ---- metadata -----------------------------------------------------------------------------------------------------


def test_the_officer_edits_the_metadata_and_it_is_audited(world, a_file, make_browser):
    officer = logged_in(make_browser, world.officer_a)
    form = page(officer.get(f"/tai-lieu/{a_file.id}/sua"))
    assert 'value="07/KH-UBND"' in form and 'value="05/03/2025"' in form
    response = officer.post(
        f"/tai-lieu/{a_file.id}/sua",
        {
            "doc_number": "08/KH-UBND",
            "doc_date": "06/03/2025",
            "issuer": "UBND xã An Bình",
            "description": "Bản đã ký",
            "seen": fingerprint(a_file),
        },
    )
    assert response.status_code == 302
    row = saved(a_file.id)
    with scoped(SYSTEM):
        record = db.session.execute(select(AuditRecord).where(AuditRecord.action == "evidence.updated")).scalar_one()
    assert (row.doc_number, row.doc_date.isoformat(), row.description) == ("08/KH-UBND", "2025-03-06", "Bản đã ký")
    assert '"07/KH-UBND"' in record.before and '"08/KH-UBND"' in record.after and record.actor_login == "canbo.a"


def test_two_people_editing_the_same_file_the_second_is_told_and_nothing_is_overwritten(world, a_file, make_browser):
    officer, leader = logged_in(make_browser, world.officer_a), logged_in(make_browser, world.leader_a)
    seen = fingerprint(a_file)  # both opened the form showing the same values
    first = officer.post(f"/tai-lieu/{a_file.id}/sua", {"doc_number": "08/KH-UBND", "seen": seen})
    assert first.status_code == 302
    second = leader.post(f"/tai-lieu/{a_file.id}/sua", {"doc_number": "09/KH-UBND", "seen": seen})
    assert second.status_code == 409
    text = page(second)
    assert "vừa được người khác sửa" in text and 'value="08/KH-UBND"' in text  # the form shows what is saved now
    assert saved(a_file.id).doc_number == "08/KH-UBND"
    assert audit_actions().count("evidence.updated") == 1


def test_bad_metadata_on_edit_is_listed_and_nothing_changes(world, a_file, make_browser):
    officer = logged_in(make_browser, world.officer_a)
    response = officer.post(
        f"/tai-lieu/{a_file.id}/sua", {"doc_number": "x", "doc_date": "32/13/2025", "seen": fingerprint(a_file)}
    )
    assert response.status_code == 400
    assert "không phải là ngày hợp lệ (dd/mm/yyyy)" in page(response)
    assert saved(a_file.id).doc_number == "07/KH-UBND"


# ---- delete -------------------------------------------------------------------------------------------------------


def test_an_uncited_file_is_deleted_with_its_bytes_and_audited(world, a_file, make_browser, app):
    officer = logged_in(make_browser, world.officer_a)
    assert get_storage(app).exists(a_file.storage_key)
    response = officer.post(f"/tai-lieu/{a_file.id}/xoa")
    assert response.status_code == 302
    assert f"Đã xoá «{NAME}»" in page(officer.get("/tai-lieu/"))
    assert saved(a_file.id) is None
    assert not get_storage(app).exists(a_file.storage_key)
    assert audit_actions()[-1] == "evidence.deleted"
    assert officer.get(f"/tai-lieu/{a_file.id}/tai-ve").status_code == 404


def test_a_file_whose_bytes_went_missing_answers_a_clear_error(world, a_file, make_browser, app):
    get_storage(app).delete(a_file.storage_key)
    response = logged_in(make_browser, world.officer_a).get(f"/tai-lieu/{a_file.id}/tai-ve")
    assert response.status_code == 500
    assert "Không tìm thấy nội dung tệp trong kho lưu trữ" in page(response)
