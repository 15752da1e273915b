"""Administration screens: units (tree, view, edit, upload of the Units spreadsheet) and users (create, reset
password, disable/enable). Only the administrator; a unit or user outside their authority answers 404 exactly like
one that does not exist."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dvcq.platform.auth.models import Role, User
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import parse_vn_date, vn_date
from dvcq.platform.permissions import roles_required
from dvcq.tenants import imports, services
from dvcq.tenants.forms import UnitForm, UnitsUploadForm, UserForm, VersionForm, choice
from dvcq.tenants.models import Unit

bp = Blueprint(
    "tenants",
    __name__,
    url_prefix="/quan-tri",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/tenants",
)
# The area's links in the top navigation: (label, endpoint, roles that see it).
NAV = (
    ("Đơn vị", "tenants.units", (Role.ADMIN,)),
    ("Tài khoản", "tenants.users", (Role.ADMIN,)),
)


def _actor() -> User:
    return current_user._get_current_object()


def home_cards(user):
    if user.role != Role.ADMIN:
        return []
    units = services.managed_unit_ids(user)
    users = services.managed_users(user)
    return [
        {
            "title": "Đơn vị",
            "body": f"{len(units)} đơn vị trong phạm vi quản lý.",
            "link": url_for("tenants.units"),
            "link_text": "Quản lý đơn vị",
        },
        {
            "title": "Tài khoản",
            "body": f"{sum(u.active for u in users)} tài khoản đang hoạt động, {len(users)} tài khoản tất cả.",
            "link": url_for("tenants.users"),
            "link_text": "Quản lý tài khoản",
        },
    ]


# ---- units ------------------------------------------------------------------------------------------------------


def _units_page(upload: UnitsUploadForm, problems: list[str] | None = None, error: str | None = None, status=200):
    tree = services.unit_tree(_actor())
    return render_template(
        "tenants/units.html",
        tree=tree,
        upload=upload,
        error=error,
        problems=problems or [],
        kinds=imports.ALLOWED_KINDS,
        today=date.today(),
    ), status


@bp.route("/don-vi")
@roles_required(Role.ADMIN)
def units():
    return _units_page(UnitsUploadForm())


@bp.route("/don-vi/nhap", methods=["POST"])
@roles_required(Role.ADMIN)
def upload_units():
    form = UnitsUploadForm()
    if not form.validate_on_submit():
        errors = [e for errs in form.errors.values() for e in errs]
        return _units_page(form, error="Chưa nhập được tệp.", problems=errors, status=400)
    storage = form.file.data
    name = storage.filename or "tep-tai-len"
    try:
        report = imports.import_units_file(name, actor=_actor(), data=storage.read())
    except ServiceError as err:
        db.session.rollback()
        return _units_page(form, error=err.message, problems=err.problems, status=400)
    flash(f"Tệp «{name}»: {report.summary()}", "success")
    return redirect(url_for("tenants.units"))


def _fill_from(form: UnitForm, unit: Unit) -> None:
    form.version.data = unit.version
    form.name.data = unit.name
    form.group.data = unit.group.name if unit.group else ""
    form.valid_from.data = vn_date(unit.valid_from)
    form.valid_to.data = vn_date(unit.valid_to)


def _parse_date(field) -> tuple[bool, object]:
    text = (field.data or "").strip()
    if not text:
        return True, None
    try:
        return True, parse_vn_date(text)
    except ValueError:
        field.errors = [*field.errors, f"«{text}» không phải ngày hợp lệ (dd/mm/yyyy)."]
        return False, None


def _unit_page(unit: Unit, form: UnitForm, status: int = 200, attempted: dict | None = None):
    children = [row for row in services.unit_tree(_actor()) if row.unit.parent_id == unit.id]
    people = [u for u in services.managed_users(_actor()) if u.unit_id == unit.id]
    return render_template(
        "tenants/unit.html",
        unit=unit,
        form=form,
        children=[row.unit for row in children],
        people=people,
        lineage=services.lineage(unit),
        groups=services.groups_of(unit.authority_id) if unit.authority_id else [],
        attempted=attempted,
        today=date.today(),
    ), status


@bp.route("/don-vi/<int:unit_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def unit(unit_id: int):
    unit = services.unit_for(_actor(), unit_id)
    if unit is None:
        abort(404)
    form = UnitForm()
    if request.method == "GET":
        _fill_from(form, unit)
        return _unit_page(unit, form)
    if not form.validate_on_submit():
        return _unit_page(unit, form, 400)
    ok_from, valid_from = _parse_date(form.valid_from)
    ok_to, valid_to = _parse_date(form.valid_to)
    try:
        version = int(form.version.data or "")
    except ValueError:
        version = -1  # a tampered or missing version is stale by definition
    if not (ok_from and ok_to):
        return _unit_page(unit, form, 400)
    try:
        services.update_unit(
            actor=_actor(),
            unit_id=unit.id,
            version=version,
            name=form.name.data,
            group_name=form.group.data or None,
            valid_from=valid_from,
            valid_to=valid_to,
        )
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        if err.status == 409:
            attempted = {
                "Tên đơn vị": form.name.data,
                "Khối": form.group.data,
                "Hiệu lực từ": form.valid_from.data,
                "Hết hiệu lực": form.valid_to.data,
            }
            unit = services.unit_for(_actor(), unit_id) or abort(404)
            fresh = UnitForm(formdata=None)
            _fill_from(fresh, unit)
            return _unit_page(unit, fresh, 409, attempted)
        return _unit_page(unit, form, err.status)
    flash("Đã lưu thông tin đơn vị.", "success")
    return redirect(url_for("tenants.unit", unit_id=unit.id))


# ---- users ------------------------------------------------------------------------------------------------------


@bp.route("/tai-khoan")
@roles_required(Role.ADMIN)
def users():
    return render_template("tenants/users.html", users=services.managed_users(_actor()), form=VersionForm())


@bp.route("/tai-khoan/moi", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    form = UserForm()
    tree = services.unit_tree(_actor())
    form.unit_code.choices = [
        choice(row.unit.code, "\u2003" * row.depth + f"{row.unit.name} ({row.unit.code})") for row in tree
    ]
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                user = services.create_user(
                    actor=_actor(),
                    unit_code=form.unit_code.data,
                    role=form.role.data,
                    login=form.login.data,
                    full_name=form.full_name.data,
                    password=None,
                    email=form.email.data or None,
                    title=form.title.data or "",
                )
            except ServiceError as err:
                db.session.rollback()
                flash(err.message, "error")
                status = 403 if err.status == 403 else 400  # an unknown unit here is bad input, not a missing page
            else:
                # Shown in this response only: never flashed (the session cookie), never stored in clear.
                return render_template(
                    "tenants/password_once.html", user=user, password=user.initial_password, new=True
                )
    return render_template("tenants/user_form.html", form=form), status


def _user_or_404(user_id: int) -> User:
    user = services.user_for(_actor(), user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/tai-khoan/<int:user_id>/dat-lai-mat-khau", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_password(user_id: int):
    _user_or_404(user_id)
    if not VersionForm().validate_on_submit():
        abort(400)
    try:
        user, password = services.reset_password(actor=_actor(), user_id=user_id)
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("tenants.users"))
    return render_template("tenants/password_once.html", user=user, password=password, new=False)


@bp.route("/tai-khoan/<int:user_id>/trang-thai", methods=["POST"])
@roles_required(Role.ADMIN)
def toggle_active(user_id: int):
    _user_or_404(user_id)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    try:
        version = int(form.version.data) if form.version.data else None
    except ValueError:
        version = -1
    try:
        user = services.set_active(actor=_actor(), user_id=user_id, active=active, version=version)
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("tenants.users"))
    if active:
        flash(f"Đã mở khoá tài khoản «{user.login}».", "success")
    else:
        flash(f"Đã khoá tài khoản «{user.login}»; mọi phiên đăng nhập của tài khoản này đã bị đăng xuất.", "success")
    return redirect(url_for("tenants.users"))
