"""`dvcq criteria import/export`: the new version's id on stdout and exit 0; a bad file exits 1 with every problem
and writes nothing; an export imports back to the same cells."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dvcq.platform.audit import AuditRecord
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import CriteriaNode, CriteriaVersion
from dvcq.tenants.models import UnitKind
from tests import factories
from tests.scoring.criteria_factories import load_sample_version
from tests.scoring.test_criteria_import import cells, small_criteria, workbook


@pytest.fixture(autouse=True)
def _system_scope_for_test_queries(app):
    """The test's own checks read across the authority; requests still set their own scope."""
    with scoped(SYSTEM):
        yield


def counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return tuple(
        db.session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (CriteriaVersion, CriteriaNode, AuditRecord)
    )


def crit(runner, *args: str):
    return runner.invoke(args=["dvcq", "criteria", *args])


def test_import_prints_the_new_versions_id(world, runner, tmp_path):
    path = tmp_path / "bộ tiêu chí.xlsx"
    path.write_bytes(workbook())
    result = crit(runner, "import", str(path), "--authority", "D", "--name", "Bộ tiêu chí 2026")
    assert result.exit_code == 0, result.output
    version = db.session.execute(select(CriteriaVersion)).scalar_one()
    assert result.stdout == f"{version.id}\n"
    assert result.stderr.startswith("Đã nhập «Bộ tiêu chí 2026» cho Huyện Thử Nghiệm: 2 lĩnh vực, 3 tiêu chí chấm")
    assert "tổng 10,00 điểm, 4 mức xếp loại, 2 điều kiện." in result.stderr
    assert version.authority_id == world.district_id and version.name == "Bộ tiêu chí 2026"


def test_a_bad_file_exits_1_listing_every_problem_and_writes_nothing(world, runner, tmp_path):
    rows = small_criteria()
    rows[2][4] = "0,3"
    rows.append(["1.1", "Trùng", "1", "khoảng", None, "có", None, None])
    path = tmp_path / "hong.xlsx"
    path.write_bytes(workbook(rows))
    before = counts()
    result = crit(runner, "import", str(path), "--authority", "D")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Lỗi: Tệp bộ tiêu chí có 2 lỗi; chưa nhập gì. Vui lòng sửa tệp và nhập lại.",
        "  - Trang «TieuChi» – Dòng 9, cột «Mã»: mã «1.1» trùng với dòng 3",
        "  - Trang «TieuChi» – Dòng 3, cột «Bước điểm»: bước điểm 0,30 không chia hết điểm tối đa 4,00",
    ]
    assert counts() == before


def test_a_missing_file_or_an_unknown_authority_exits_1(world, runner, tmp_path):
    path = tmp_path / "bo.xlsx"
    result = crit(runner, "import", str(path), "--authority", "D")
    assert result.exit_code == 1 and f"Không tìm thấy tệp «{path}»." in result.stderr
    path.write_bytes(workbook())
    result = crit(runner, "import", str(path), "--authority", "ZZ")
    assert result.exit_code == 1 and "Không có đơn vị mã «ZZ»." in result.stderr
    result = crit(runner, "import", str(path), "--authority", "A")
    assert result.exit_code == 1 and "«Xã An Bình» không phải cơ quan đánh giá (huyện hoặc tỉnh)." in result.stderr
    assert counts()[0] == 0


def test_without_authority_two_districts_with_communes_are_ambiguous(world, runner, tmp_path):
    path = tmp_path / "bo.xlsx"
    path.write_bytes(workbook())
    result = crit(runner, "import", str(path))
    assert result.exit_code == 1
    assert "Có nhiều cơ quan đánh giá (D, D2): hãy chọn một bằng --authority MÃ." in result.stderr
    assert counts()[0] == 0


def test_without_authority_the_only_district_with_communes_is_used(app, runner, tmp_path):
    with scoped(SYSTEM):
        province = factories.unit("QN", "Tỉnh Quảng Ngãi", UnitKind.TINH)
        district = factories.unit("BT", "Huyện Ba Tơ", UnitKind.HUYEN, province)
        factories.unit("BT-X", "Xã Ba Xa", UnitKind.XA, district)
        db.session.commit()
        district_id = district.id
    path = tmp_path / "bo.xlsx"
    path.write_bytes(workbook())
    result = crit(runner, "import", str(path))
    assert result.exit_code == 0, result.output
    assert db.session.execute(select(CriteriaVersion.authority_id)).scalar_one() == district_id


def test_export_then_import_round_trips_exactly(world, runner, tmp_path):
    version = load_sample_version(world.district_id)
    first, second = tmp_path / "xuat 1.xlsx", tmp_path / "xuat 2.xlsx"
    result = crit(runner, "export", "--authority", "D", str(version.id), str(first))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Đã xuất «{version.name}» ra {first}.\n"
    result = crit(runner, "import", str(first), "--authority", "D")
    assert result.exit_code == 0, result.output
    again = int(result.stdout)
    assert crit(runner, "export", "--authority", "D", str(again), str(second)).exit_code == 0
    assert cells(first.read_bytes()) == cells(second.read_bytes())


def test_export_of_an_unknown_version_exits_1(world, runner, tmp_path):
    result = crit(runner, "export", "--authority", "D", "4242", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 1
    assert result.stderr == "Lỗi: Không tìm thấy bộ tiêu chí.\n"
    assert not (tmp_path / "x.xlsx").exists()


def test_export_runs_in_the_authoritys_scope_so_another_authoritys_version_is_not_found(world, runner, tmp_path):
    version = load_sample_version(world.district_id)
    foreign = crit(runner, "export", "--authority", "D2", str(version.id), str(tmp_path / "x.xlsx"))
    missing = crit(runner, "export", "--authority", "D2", "4242", str(tmp_path / "x.xlsx"))
    assert foreign.exit_code == missing.exit_code == 1
    assert foreign.stderr == missing.stderr == "Lỗi: Không tìm thấy bộ tiêu chí.\n"
    assert not (tmp_path / "x.xlsx").exists()


def test_a_command_on_tenant_data_asks_which_authority_when_there_are_several(world, runner, tmp_path):
    result = crit(runner, "export", "4242", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 1
    assert result.stderr == "Lỗi: Có nhiều cơ quan đánh giá (D, D2): hãy chọn một bằng --authority MÃ.\n"
    commune = crit(runner, "export", "--authority", "A", "4242", str(tmp_path / "x.xlsx"))
    assert commune.exit_code == 1 and "không phải cơ quan đánh giá" in commune.stderr


def test_import_over_a_locked_version_exits_1(world, runner, tmp_path):
    version = load_sample_version(world.district_id)
    with scoped(SYSTEM):
        from dvcq.scoring.criteria import services

        services.lock_version(None, version.id)
        db.session.commit()
    path = tmp_path / "bo.xlsx"
    path.write_bytes(workbook())
    before = counts()
    result = crit(runner, "import", str(path), "--authority", "D", "--replace", str(version.id))
    assert result.exit_code == 1
    assert "đang được kỳ đánh giá sử dụng nên đã khoá" in result.stderr
    assert counts() == before
