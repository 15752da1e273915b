"""Views of criteria: parse the request, call a service, render.

The authority's staff read every version of their authority; communes and agencies read the versions their
campaigns use (read-only); the secretariat and the administrator import, copy, edit and delete drafts.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from dvcq.platform import params
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import points
from dvcq.platform.permissions import AUTHORITY_STAFF, UNIT_STAFF, roles_required
from dvcq.scoring.criteria import exports, imports, services
from dvcq.scoring.criteria.forms import CopyForm, ImportForm, NodeForm, RenameForm, VersionForm
from dvcq.scoring.models import CriteriaNode, CriteriaVersion

bp = Blueprint(
    "criteria",
    __name__,
    url_prefix="/tieu-chi",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
MANAGERS = services.MANAGERS
READERS = AUTHORITY_STAFF
EVERYONE = AUTHORITY_STAFF + UNIT_STAFF
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The area's links in the top navigation: (label, endpoint, roles that see it).
NAV = (("Bộ tiêu chí", "criteria.index", READERS),)


def home_cards(user):
    if user.role not in MANAGERS:
        return []
    rows = services.versions_of(user.unit.authority_id)
    in_use = [r.version for r in rows if r.locked]
    body = f"{len(rows)} phiên bản." if rows else "Chưa có bộ tiêu chí nào: nhập tệp hoặc nạp bộ tiêu chí mẫu."
    if in_use:
        body += f" Đang áp dụng: {in_use[0].name}."
    return [{"title": "Bộ tiêu chí", "body": body, "link": url_for("criteria.index"), "link_text": "Xem bộ tiêu chí"}]


def _authority_id() -> int:
    return current_user.unit.authority_id


def _version_or_404(version_id: int) -> CriteriaVersion:
    """The version if this user may read it; otherwise the same 404 as for a version that does not exist."""
    version = services.find_version(version_id)
    if version is None:
        abort(404)
    if current_user.role in UNIT_STAFF and not services.visible_to_unit(version):
        abort(404)
    return version


def _seen(form) -> int:
    return params.whole(form.version.data, 0)


@bp.route("/")
@roles_required(*READERS)
def index():
    rows = services.versions_of(_authority_id())
    return render_template(
        "criteria/index.html",
        rows=rows,
        can_manage=services.can_manage(current_user),
        samples=[
            (kind, sample.name.split(" (")[0])
            for kind, sample in services.SAMPLES.items()
            if not any(r.version.is_sample and r.version.name == sample.name for r in rows)
        ],
        form=VersionForm(),
    )


def _children(version: CriteriaVersion) -> dict[int | None, list[CriteriaNode]]:
    children: dict[int | None, list[CriteriaNode]] = {}
    for node in version.nodes:
        children.setdefault(node.parent_id, []).append(node)
    return children


@bp.route("/<int:version_id>")
@roles_required(*EVERYONE)
def view(version_id: int):
    version = _version_or_404(version_id)
    locked = services.is_locked(version)
    others = [r.version for r in services.versions_of(_authority_id()) if r.version.id != version.id]
    return render_template(
        "criteria/view.html",
        version=version,
        children=_children(version),
        info=services.summary(version),
        campaigns=services.campaigns_using(version.id),
        locked=locked,
        can_edit=services.can_manage(current_user) and not locked,
        can_manage=services.can_manage(current_user),
        others=others if current_user.role in READERS else [],
        based_on=services.find_version(version.based_on_id) if version.based_on_id else None,
        copy_form=CopyForm(),
        form=VersionForm(version=version.version),
    )


@bp.route("/<int:version_id>/tai-ve")
@roles_required(*EVERYONE)
def download(version_id: int):
    version = _version_or_404(version_id)
    return send_file(
        io.BytesIO(exports.export_bytes(version)),
        mimetype=XLSX,
        as_attachment=True,
        download_name=exports.file_name(version),
    )


def _import(form: ImportForm, replace: CriteriaVersion | None):
    upload = form.file.data
    version = imports.import_criteria(
        actor=current_user,
        authority_id=_authority_id(),
        filename=upload.filename or "tep.xlsx",
        data=upload.read(),
        name=form.name.data,
        replace_id=replace.id if replace else None,
    )
    info = services.summary(version)
    flash(
        f"Đã nhập «{version.name}»: {info['areas']} lĩnh vực, {info['leaves']} tiêu chí chấm điểm, tổng "
        f"{points(version.max_total)} điểm, {len(info['levels'])} mức xếp loại, {len(info['conditions'])} điều kiện.",
        "success",
    )
    return redirect(url_for("criteria.view", version_id=version.id))


def _import_page(form: ImportForm, replace: CriteriaVersion | None):
    if form.validate_on_submit():
        try:
            return _import(form, replace)
        except ServiceError as err:
            db.session.rollback()
            if err.status in (403, 404):
                raise
            page = render_template(
                "criteria/import.html", form=form, replace=replace, message=err.message, problems=err.problems
            )
            return page, err.status
    status = 400 if form.errors else 200
    return render_template("criteria/import.html", form=form, replace=replace, message=None, problems=[]), status


@bp.route("/nhap", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def import_file():
    return _import_page(ImportForm(), None)


@bp.route("/<int:version_id>/nhap-lai", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def reimport(version_id: int):
    version = _version_or_404(version_id)
    services.editable_version(version.id)  # a locked version answers 409 before any upload
    form = ImportForm()
    if request.method == "GET":
        form.name.data = version.name
    return _import_page(form, version)


@bp.route("/mau", methods=["POST"])
@roles_required(*MANAGERS)
def load_sample():
    VersionForm().validate_on_submit() or abort(400)
    kind = request.form.get("kind") or services.COMMUNE_SAMPLE
    if kind not in services.SAMPLES:
        abort(400)
    version = services.load_sample(_authority_id(), current_user, kind)
    flash("Đã nạp bộ tiêu chí mẫu. Hãy thay bằng bộ tiêu chí chính thức của tỉnh trước khi đánh giá thật.", "warning")
    return redirect(url_for("criteria.view", version_id=version.id))


@bp.route("/<int:version_id>/sao-chep", methods=["POST"])
@roles_required(*MANAGERS)
def copy(version_id: int):
    version = _version_or_404(version_id)
    form = CopyForm()
    form.validate_on_submit() or abort(400)
    new = services.copy_version(current_user, version.id, form.name.data)
    flash(f"Đã tạo phiên bản mới «{new.name}» từ «{version.name}». Bản nháp này có thể sửa.", "success")
    return redirect(url_for("criteria.view", version_id=new.id))


@bp.route("/<int:version_id>/xoa", methods=["POST"])
@roles_required(*MANAGERS)
def delete(version_id: int):
    version = _version_or_404(version_id)
    form = VersionForm()
    form.validate_on_submit() or abort(400)
    name = version.name
    services.delete_draft(current_user, version.id, _seen(form))
    flash(f"Đã xoá bản nháp «{name}».", "success")
    return redirect(url_for("criteria.index"))


@bp.route("/<int:version_id>/sua", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def rename(version_id: int):
    version = _version_or_404(version_id)
    services.editable_version(version.id)
    form = RenameForm()
    if request.method == "GET":
        form.version.data, form.name.data, form.description.data = version.version, version.name, version.description
    elif form.validate_on_submit():
        try:
            services.rename_version(current_user, version.id, _seen(form), form.name.data, form.description.data)
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
            return render_template("criteria/rename.html", version=version, form=form), err.status
        flash("Đã lưu tên và ghi chú của phiên bản.", "success")
        return redirect(url_for("criteria.view", version_id=version.id))
    return render_template("criteria/rename.html", version=version, form=form), 400 if form.errors else 200


@bp.route("/<int:version_id>/muc/<int:node_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_node(version_id: int, node_id: int):
    version = _version_or_404(version_id)
    node = services.node_of(version, node_id)
    if node is None:
        abort(404)
    services.editable_version(version.id)
    form = NodeForm()
    if request.method == "GET":
        form.version.data, form.name.data, form.guidance.data = version.version, node.name, node.guidance
    elif form.validate_on_submit():
        try:
            services.update_node(current_user, node.id, _seen(form), name=form.name.data, guidance=form.guidance.data)
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
            return render_template("criteria/node.html", version=version, node=node, form=form), err.status
        flash(f"Đã lưu tiêu chí {node.code}.", "success")
        return redirect(url_for("criteria.view", version_id=version.id, _anchor=f"n{node.id}"))
    return render_template("criteria/node.html", version=version, node=node, form=form), 400 if form.errors else 200


@bp.route("/so-sanh")
@roles_required(*READERS)
def compare():
    versions = [r.version for r in services.versions_of(_authority_id())]
    old_id = params.integer(request.args.get("a"), "Phiên bản cũ")
    new_id = params.integer(request.args.get("b"), "Phiên bản mới")
    old = _version_or_404(old_id) if old_id else None
    new = _version_or_404(new_id) if new_id else None
    if new is not None and old is None and new.based_on_id:
        old = services.find_version(new.based_on_id)
    result = services.compare(old, new) if old is not None and new is not None else None
    return render_template("criteria/compare.html", versions=versions, old=old, new=new, result=result)
