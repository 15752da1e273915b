"""The demo's units and accounts: the province, the district of Ba Tơ with its communes and agencies, and a login for
every role. The first demo seeder; the other areas' seeders build on the constants here."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from dvcq.platform.auth.models import Role, User
from dvcq.platform.auth.passwords import hash_password
from dvcq.platform.demo import DEMO_PASSWORD
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date
from dvcq.tenants.models import Unit, UnitKind
from dvcq.tenants.services import create_user

PROVINCE = ("QNG", "Tỉnh Quảng Ngãi")
DISTRICT = ("BATO", "Huyện Ba Tơ")
COMMUNES = [
    ("BATO-TT", "Thị trấn Ba Tơ", UnitKind.THI_TRAN),
    ("BATO-BDO", "Xã Ba Động", UnitKind.XA),
    ("BATO-BCU", "Xã Ba Cung", UnitKind.XA),
    ("BATO-BDI", "Xã Ba Dinh", UnitKind.XA),
    ("BATO-BDE", "Xã Ba Điền", UnitKind.XA),
    ("BATO-BBI", "Xã Ba Bích", UnitKind.XA),
    ("BATO-BGI", "Xã Ba Giang", UnitKind.XA),
    ("BATO-BKH", "Xã Ba Khâm", UnitKind.XA),
    ("BATO-BLE", "Xã Ba Lế", UnitKind.XA),
    ("BATO-BLI", "Xã Ba Liên", UnitKind.XA),
    ("BATO-BNA", "Xã Ba Nam", UnitKind.XA),
    ("BATO-BNG", "Xã Ba Ngạc", UnitKind.XA),
    ("BATO-BTH", "Xã Ba Thành", UnitKind.XA),
    ("BATO-BTI", "Xã Ba Tiêu", UnitKind.XA),
    ("BATO-BTO", "Xã Ba Tô", UnitKind.XA),
    ("BATO-BTR", "Xã Ba Trang", UnitKind.XA),
    ("BATO-BVI", "Xã Ba Vì", UnitKind.XA),
    ("BATO-BVN", "Xã Ba Vinh", UnitKind.XA),
    ("BATO-BXA", "Xã Ba Xa", UnitKind.XA),
]
AGENCIES = [
    ("BATO-VP", "Văn phòng HĐND và UBND huyện"),
    ("BATO-NV", "Phòng Nội vụ"),
    ("BATO-TP", "Phòng Tư pháp"),
    ("BATO-TNMT", "Phòng Tài nguyên và Môi trường"),
    ("BATO-GD", "Phòng Giáo dục và Đào tạo"),
]
GROUP_COMMUNES, GROUP_AGENCIES = "Khối xã", "Khối cơ quan"
# A merger the demo shows (unit profiles, the dashboard's merged lines, the units page): Xã Ba Thành of today was
# formed on 01/01/2023 from two former communes, which ended the day before and keep their 2022 results.
MERGED = "BATO-BTH"
MERGED_ON = date(2023, 1, 1)
FORMER_COMMUNES = [
    ("BATO-BCHU", "Xã Ba Chùa", UnitKind.XA),
    ("BATO-BHA", "Xã Ba Hà", UnitKind.XA),
]
# (login, full name, role, unit code, title)
AUTHORITY_USERS = [
    ("quantri", "Nguyễn Văn Quản", Role.ADMIN, "BATO", "Chuyên viên Phòng Nội vụ"),
    ("thuongtruc", "Phạm Thị Thường", Role.SECRETARIAT, "BATO", "Phó Trưởng ban Thường trực BCĐ"),
    ("lanhdao", "Đinh Văn Lãnh", Role.LEADERSHIP, "BATO", "Chủ tịch UBND huyện"),
    ("thamdinh1", "Trần Minh Thẩm", Role.APPRAISER, "BATO", "Thành viên tổ thẩm định"),
    ("thamdinh2", "Lê Thị Định", Role.APPRAISER, "BATO", "Thành viên tổ thẩm định"),
]
SLUG = {code: code.split("-", 1)[1].lower() for code, _, _ in COMMUNES}
# The communes' chairmen (invented names, as every person of the demo is): the name a plan or report is signed with.
_FAMILY = ("Đinh", "Phạm", "Nguyễn", "Trần", "Lê", "Võ", "Huỳnh", "Bùi", "Đỗ", "Phan")
_GIVEN = ("Văn Hùng", "Văn Sơn", "Thị Hoa", "Văn Tài", "Minh Đức", "Văn Năm", "Thị Lan", "Văn Bình", "Hữu Phước")


def chairman_name(index: int) -> str:
    return f"{_FAMILY[index % len(_FAMILY)]} {_GIVEN[index % len(_GIVEN)]}"


AGENCY_SLUG = {code: code.split("-", 1)[1].lower() for code, _ in AGENCIES}
# Each agency's officer (its focal point) and leader: (officer's title, leader's name, leader's title).
AGENCY_PEOPLE = {
    "BATO-VP": ("Chuyên viên Văn phòng", "Chánh Văn phòng HĐND và UBND huyện", "Chánh Văn phòng"),
    "BATO-NV": ("Chuyên viên Phòng Nội vụ", "Trưởng phòng Nội vụ", "Trưởng phòng"),
    "BATO-TP": ("Chuyên viên Phòng Tư pháp", "Trưởng phòng Tư pháp", "Trưởng phòng"),
    "BATO-TNMT": (
        "Chuyên viên Phòng Tài nguyên và Môi trường",
        "Trưởng phòng Tài nguyên và Môi trường",
        "Trưởng phòng",
    ),
    "BATO-GD": ("Chuyên viên Phòng Giáo dục và Đào tạo", "Trưởng phòng Giáo dục và Đào tạo", "Trưởng phòng"),
}


def _seed_units() -> dict[str, Unit]:
    """The demo tree through the same importer as `dvcq units import`, the merger included; only units whose code is
    missing are added (an administrator's later edits are kept), and the merged commune when a former one is."""
    from dvcq.tenants.imports import import_units_table

    since, former_until = "01/01/2020", vn_date(MERGED_ON - timedelta(days=1))
    former_codes = ", ".join(code for code, _, _ in FORMER_COMMUNES)

    def commune(code: str, name: str, kind: UnitKind) -> list[str]:
        if code == MERGED:
            return [code, name, kind.label, DISTRICT[0], GROUP_COMMUNES, vn_date(MERGED_ON), "", former_codes]
        return [code, name, kind.label, DISTRICT[0], GROUP_COMMUNES, since, "", ""]

    wanted = [
        [*PROVINCE, "tỉnh", "", "", since, "", ""],
        [*DISTRICT, "huyện", PROVINCE[0], "", since, "", ""],
        *[
            [code, name, kind.label, DISTRICT[0], GROUP_COMMUNES, since, former_until, ""]
            for code, name, kind in FORMER_COMMUNES
        ],
        *[commune(*row) for row in COMMUNES],
        *[[code, name, "cơ quan", DISTRICT[0], GROUP_AGENCIES, since, "", ""] for code, name in AGENCIES],
    ]
    existing = set(db.session.execute(select(Unit.code)).scalars())
    missing = [row for row in wanted if row[0] not in existing]
    if any(row[0] in {code for code, _, _ in FORMER_COMMUNES} for row in missing):  # the merger comes whole
        missing += [row for row in wanted if row[0] == MERGED and row not in missing]
    if missing:
        header = ["Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên", "Khối"]
        header += ["Ngày hiệu lực", "Ngày hết hiệu lực", "Mã đơn vị tiền thân"]
        import_units_table([header, *missing], actor=None, source="dữ liệu mẫu")
    return {u.code: u for u in db.session.execute(select(Unit)).scalars()}


def _user(login: str, full_name: str, role: Role, unit: Unit, title: str, password_hash: str) -> None:
    if db.session.execute(select(User.id).where(User.login == login)).first():
        return
    create_user(
        actor=None,
        unit_code=unit.code,
        role=role,
        login=login,
        full_name=full_name,
        password=DEMO_PASSWORD,
        email=f"{login}@demo.dvcq.vn",
        title=title,
        password_hash=password_hash,
    )


def seed() -> list[tuple[str, str, str]]:
    """Create the demo district and its accounts; returns the logins to print (login, role, unit)."""
    units = _seed_units()
    password_hash = hash_password(DEMO_PASSWORD)  # once, not once per account
    for login, name, role, code, title in AUTHORITY_USERS:
        _user(login, name, role, units[code], title, password_hash)
    for index, (code, name, _) in enumerate(COMMUNES):
        short = name.removeprefix("Xã ").removeprefix("Thị trấn ")
        _user(
            f"canbo.{SLUG[code]}",
            f"Cán bộ đầu mối {short}",
            Role.OFFICER,
            units[code],
            "Công chức Văn phòng - Thống kê",
            password_hash,
        )
        _user(f"lanhdao.{SLUG[code]}", chairman_name(index), Role.LEADER, units[code], "Chủ tịch UBND", password_hash)
    for code, name in AGENCIES:
        officer_title, leader_name, leader_title = AGENCY_PEOPLE[code]
        slug = AGENCY_SLUG[code]
        _user(f"canbo.{slug}", f"Cán bộ đầu mối {name}", Role.OFFICER, units[code], officer_title, password_hash)
        _user(f"lanhdao.{slug}", leader_name, Role.LEADER, units[code], leader_title, password_hash)
    db.session.commit()
    logins = [(login, role.label, units[code].name) for login, _, role, code, _ in AUTHORITY_USERS]
    logins += [
        ("canbo.bdo", Role.OFFICER.label, "Xã Ba Động"),
        ("lanhdao.bdo", Role.LEADER.label, "Xã Ba Động"),
        ("canbo.<mã xã>", Role.OFFICER.label, "mỗi xã, ví dụ canbo.bcu (Ba Cung)"),
        ("lanhdao.<mã xã>", Role.LEADER.label, "mỗi xã, ví dụ lanhdao.bcu"),
        ("canbo.nv", Role.OFFICER.label, "Phòng Nội vụ (Khối cơ quan)"),
        ("lanhdao.nv", Role.LEADER.label, "Phòng Nội vụ (Khối cơ quan)"),
        ("canbo.<mã cơ quan>", Role.OFFICER.label, "mỗi cơ quan: vp, nv, tp, tnmt, gd"),
        ("lanhdao.<mã cơ quan>", Role.LEADER.label, "mỗi cơ quan, ví dụ lanhdao.tp (Phòng Tư pháp)"),
    ]
    return logins
