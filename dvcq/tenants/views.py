"""Administration screens: units (list, view, edit) and users (create, reset password, disable)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import parse_vn_date, vn_date
from dvcq.platform.home import home_cards, nav_item
from dvcq.platform.permissions import roles_required
from dvcq.tenants import services
from dvcq.tenants.forms import UnitForm, UserForm, VersionForm
from dvcq.tenants.models import Role, Unit, UnitLineage, User

bp = Blueprint("tenants", __name__, url_prefix="/quan-tri")
nav_item("Đơn vị", "tenants.units", (Role.ADMIN,))
nav_item("Tài khoản", "tenants.users", (Role.ADMIN,))


@home_cards
def _admin_cards(user):
    if user.role != Role.ADMIN:
        return []
    units = db.session.execute(select(Unit).where(Unit.authority_id == user.unit.authority_id)).scalars().all()
    users = db.session.execute(select(User)).scalars().all()
    return [
        {
            "title": "Đơn vị",
            "body": f"{len(units)} đơn vị trong cây hành chính.",
            "link": url_for("tenants.units"),
            "link_text": "Quản lý đơn vị",
        },
        {
            "title": "Tài khoản",
            "body": f"{sum(u.active for u in users)} tài khoản đang hoạt động.",
            "link": url_for("tenants.users"),
            "link_text": "Quản lý tài khoản",
        },
    ]


@bp.route("/don-vi")
@roles_required(Role.ADMIN)
def units():
    rows = db.session.execute(select(Unit).order_by(Unit.authority_id, Unit.group_id, Unit.code)).scalars().all()
    return render_template("tenants/units.html", units=rows)


@bp.route("/don-vi/<int:unit_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def unit(unit_id: int):
    unit = db.session.get(Unit, unit_id) or abort(404)
    form = UnitForm(obj=None)
    if request.method == "GET":
        form.version.data = unit.version
        form.name.data = unit.name
        form.group.data = unit.group.name if unit.group else ""
        form.valid_from.data = vn_date(unit.valid_from)
        form.valid_to.data = vn_date(unit.valid_to)
    elif form.validate_on_submit():
        try:
            valid_from = parse_vn_date(form.valid_from.data) if form.valid_from.data else None
            valid_to = parse_vn_date(form.valid_to.data) if form.valid_to.data else None
            services.update_unit(
                actor=current_user,
                unit_id=unit.id,
                version=int(form.version.data or 0),
                name=form.name.data,
                group_name=form.group.data or None,
                valid_from=valid_from,
                valid_to=valid_to,
            )
        except ValueError as err:
            flash(str(err), "error")
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
            if err.status == 409:
                return render_template("tenants/unit.html", unit=unit, form=form, lineage=_lineage(unit)), 409
        else:
            flash("Đã lưu thông tin đơn vị.", "success")
            return redirect(url_for("tenants.unit", unit_id=unit.id))
    children = db.session.execute(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.code)).scalars().all()
    return render_template("tenants/unit.html", unit=unit, form=form, children=children, lineage=_lineage(unit))


def _lineage(unit: Unit) -> dict:
    before = db.session.execute(select(UnitLineage).where(UnitLineage.successor_id == unit.id)).scalars().all()
    after = db.session.execute(select(UnitLineage).where(UnitLineage.predecessor_id == unit.id)).scalars().all()
    return {"predecessors": before, "successors": after}


@bp.route("/tai-khoan")
@roles_required(Role.ADMIN)
def users():
    rows = db.session.execute(select(User).join(User.unit).order_by(Unit.code, User.login)).scalars().all()
    return render_template("tenants/users.html", users=rows, form=VersionForm())


@bp.route("/tai-khoan/moi", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    form = UserForm()
    units = db.session.execute(select(Unit).order_by(Unit.code)).scalars().all()
    form.unit_code.choices = [(u.code, f"{u.code} — {u.name}") for u in units]
    if form.validate_on_submit():
        try:
            user = services.create_user(
                actor=current_user,
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
        else:
            flash(
                f"Đã tạo tài khoản «{user.login}». Mật khẩu dùng một lần: {user.initial_password} — "
                "hãy trao tận tay; người dùng phải đổi ở lần đăng nhập đầu.",
                "success",
            )
            return redirect(url_for("tenants.users"))
    return render_template("tenants/user_form.html", form=form)


@bp.route("/tai-khoan/<int:user_id>/dat-lai-mat-khau", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_password(user_id: int):
    VersionForm().validate_on_submit() or abort(400)
    password = services.reset_password(actor=current_user, user_id=user_id)
    flash(f"Đã đặt lại mật khẩu. Mật khẩu dùng một lần: {password}", "success")
    return redirect(url_for("tenants.users"))


@bp.route("/tai-khoan/<int:user_id>/trang-thai", methods=["POST"])
@roles_required(Role.ADMIN)
def toggle_active(user_id: int):
    form = VersionForm()
    form.validate_on_submit() or abort(400)
    active = request.form.get("active") == "1"
    try:
        services.set_active(
            actor=current_user,
            user_id=user_id,
            active=active,
            version=int(form.version.data) if form.version.data else None,
        )
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        flash(
            "Đã mở khoá tài khoản."
            if active
            else "Đã khoá tài khoản; mọi phiên đăng nhập của tài khoản đã bị đăng xuất.",
            "success",
        )
    return redirect(url_for("tenants.users"))
