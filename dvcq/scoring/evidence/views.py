"""Views of evidence: the unit's library, upload (from an item: the new file is cited for it), metadata, delete,
download, and citing files for items."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from dvcq.platform import params
from dvcq.platform.downloads import content_disposition
from dvcq.platform.errors import ServiceError, render_error, wants_json
from dvcq.platform.extensions import db
from dvcq.platform.formatting import points, vn_date
from dvcq.platform.permissions import roles_required
from dvcq.platform.storage import get_storage
from dvcq.platform.uploads import stream_to_storage
from dvcq.scoring.evidence import citations, file_checks, library, services, uploads
from dvcq.scoring.evidence.forms import DeleteForm, EditForm, LinkForm, UploadForm
from dvcq.scoring.models import Evidence, ItemScore
from dvcq.scoring.selfassessment import services as selfassessment

bp = Blueprint(
    "evidence",
    __name__,
    url_prefix="/tai-lieu",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/evidence",
)
# The area's links in the top navigation: (label, endpoint, roles that see it).
NAV = (("Tài liệu kiểm chứng", "evidence.index", services.UNIT_ROLES),)

# The upload page's file goes straight into storage as the body is parsed (issue 9), only for someone who may
# upload at all: anyone else's post is parsed the default way and refused as before.
stream_to_storage(
    "evidence.upload",
    allowed=lambda: current_user.is_authenticated and current_user.role in services.UNIT_ROLES,
    limit=file_checks.max_upload_bytes,
)

# The in-page viewer gets the file in a sandbox: no script, no plugin, nothing but the file itself.
INLINE_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def file_size(size: int | None) -> str:
    """1234567 → "1,2 MB" (binary units, as MAX_UPLOAD_MB counts them)."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{points(size / 1024, 0)} KB"
    return f"{points(size / (1024 * 1024), 1)} MB"


bp.add_app_template_filter(file_size, "file_size")
bp.add_app_template_filter(citations.cited_page, "cited_page")


def home_cards(user):
    if user.role not in services.UNIT_ROLES:
        return []
    count = library.library_size(user.unit_id)
    return [
        {
            "title": "Tài liệu kiểm chứng",
            "body": f"Thư viện của đơn vị có {count} tệp, dùng lại được cho mọi kỳ đánh giá.",
            "link": url_for("evidence.index"),
            "link_text": "Mở thư viện tài liệu",
        }
    ]


@bp.errorhandler(413)
def _too_large(err):
    """Flask refuses a request bigger than MAX_CONTENT_LENGTH before the view runs; say so in the officials' words."""
    return render_error(413, file_checks.too_large_message())


def _upload_limit() -> dict:
    return {
        "max_mb": current_app.config["MAX_UPLOAD_MB"],
        "max_bytes": file_checks.max_upload_bytes(),
        "accept": file_checks.ACCEPT,
        "allowed": file_checks.ALLOWED_LIST,
    }


def _safe_next(target: str | None, default: str) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return default


@bp.route("/")
@roles_required(*services.READER_ROLES)
def index():
    if current_user.role in services.UNIT_ROLES:
        return _library(current_user.unit_id)
    return render_template("evidence/units.html", rows=library.library_counts(current_user))


@bp.route("/don-vi/<int:unit_id>")
@roles_required(*services.READER_ROLES)
def unit_library(unit_id: int):
    return _library(unit_id)


def _library(unit_id: int):
    unit = services.visible_unit(current_user, unit_id)
    files = library.library(current_user, unit_id)
    can_edit = current_user.role in services.UNIT_ROLES and current_user.unit_id == unit.id
    return render_template(
        "evidence/library.html",
        unit=unit,
        files=files,
        uploaders=library.uploader_names(files),
        can_edit=can_edit,
        citing=selfassessment.editable_assessment(current_user) if can_edit else None,
        delete_form=DeleteForm(),
        **_upload_limit(),
    )


def _item_to_cite() -> ItemScore | None:
    """The item the upload was started from (`?muc=`): the new file is cited for it. Another unit's item answers 404,
    a locked one 409, before any byte is received."""
    text = request.args.get("muc")
    if text is None:
        return None
    item_id = params.whole(text)
    if item_id is None:
        abort(404)
    return citations.item_to_cite(current_user, item_id)


def _item_url(item: ItemScore) -> str:
    return url_for("selfassessment.page", assessment_id=item.assessment_id, _anchor=f"muc-{item.id}")


@bp.route("/tai-len", methods=["GET", "POST"])
@roles_required(*services.UNIT_ROLES)
def upload():
    form = UploadForm()
    item = _item_to_cite()
    status, error, problems, existing = 200, None, [], None
    if form.validate_on_submit():
        try:
            evidence = uploads.upload(current_user, current_user.unit_id, form.file.data, form.meta_values())
        except uploads.Duplicate as err:
            db.session.rollback()
            status, error, existing = err.status, err.message, err.existing
        except ServiceError as err:
            db.session.rollback()
            status, error, problems = err.status, err.message, err.problems
        else:
            if item is not None:
                return _cite_uploaded(item, evidence, form.page_ref.data)
            flash(f"Đã tải lên «{evidence.original_name}» ({file_size(evidence.size)}).", "success")
            return redirect(url_for("evidence.index"))
    elif request.method == "POST":
        status = 400
    page = render_template(
        "evidence/upload.html",
        form=form,
        error=error,
        problems=problems,
        item=item,
        back=_item_url(item) if item is not None else url_for("evidence.index"),
        existing=existing,
        already_cited=item is not None
        and existing is not None
        and any(link.evidence_id == existing.id for link in item.evidence_links),
        citing=selfassessment.editable_assessment(current_user) if existing is not None and item is None else None,
        **_upload_limit(),
    )
    return page, status


def _cite_uploaded(item: ItemScore, evidence: Evidence, page_ref: str | None):
    """The file is in the library; cite it for the item the upload started from, then back to that item."""
    item_id, code, back, name = item.id, item.node.code, _item_url(item), evidence.original_name
    try:
        citations.link(current_user, item_id, evidence.id, page_ref)
    except ServiceError as err:
        db.session.rollback()
        flash(f"Đã tải lên «{name}» vào thư viện nhưng chưa dẫn được cho tiêu chí {code}: {err.message}", "warning")
    else:
        flash(f"Đã tải lên «{name}» ({file_size(evidence.size)}) và dẫn cho tiêu chí {code}.", "success")
    return redirect(back)


@bp.route("/<int:evidence_id>/sua", methods=["GET", "POST"])
@roles_required(*services.UNIT_ROLES)
def edit(evidence_id: int):
    evidence = services.get_evidence(current_user, evidence_id)
    form = EditForm()
    status, error, problems = 200, None, []
    if form.validate_on_submit():
        try:
            library.update_meta(current_user, evidence.id, form.meta_values(), form.seen.data or "")
        except ServiceError as err:
            db.session.rollback()
            status, error, problems = err.status, err.message, err.problems
            if err.status == 409:  # show what is saved now, so the user re-enters their change on top of it
                evidence = services.get_evidence(current_user, evidence_id)
                _fill(form, evidence)
        else:
            flash("Đã lưu thông tin tài liệu.", "success")
            return redirect(url_for("evidence.index"))
    elif request.method == "POST":
        status = 400
    else:
        _fill(form, evidence)
    frozen = library.frozen_reason(evidence)
    return render_template(
        "evidence/edit.html", form=form, evidence=evidence, error=error, problems=problems, frozen=frozen
    ), status


def _fill(form: EditForm, evidence: Evidence) -> None:
    form.doc_number.data = evidence.doc_number
    form.doc_date.data = vn_date(evidence.doc_date)
    form.issuer.data = evidence.issuer
    form.description.data = evidence.description
    form.seen.data = library.fingerprint(evidence)


@bp.route("/<int:evidence_id>/xoa", methods=["POST"])
@roles_required(*services.UNIT_ROLES)
def delete(evidence_id: int):
    form = DeleteForm()
    if not form.validate_on_submit():
        return render_error(400)
    evidence = services.get_evidence(current_user, evidence_id)
    name = evidence.original_name
    try:
        library.delete(current_user, evidence.id)
    except ServiceError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        flash(err.message, "error")
        return _library(current_user.unit_id), err.status
    flash(f"Đã xoá «{name}» khỏi thư viện.", "success")
    return redirect(url_for("evidence.index"))


def _serve(evidence: Evidence, as_attachment: bool):
    try:
        stream = get_storage().open(evidence.storage_key)
    except FileNotFoundError:
        current_app.logger.error("evidence %s: stored file %s is missing", evidence.id, evidence.storage_key)
        return render_error(500, "Không tìm thấy nội dung tệp trong kho lưu trữ. Vui lòng báo quản trị hệ thống.")
    response = send_file(
        stream,
        mimetype=evidence.content_type,
        as_attachment=as_attachment,
        download_name=evidence.original_name,
        conditional=False,
        etag=evidence.sha256,
        max_age=0,
    )
    response.content_length = evidence.size
    response.headers["Content-Disposition"] = content_disposition(evidence.original_name, inline=not as_attachment)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:evidence_id>/tai-ve")
@roles_required(*services.READER_ROLES)
def download(evidence_id: int):
    return _serve(services.get_evidence(current_user, evidence_id), as_attachment=True)


@bp.route("/<int:evidence_id>/xem")
@roles_required(*services.READER_ROLES)
def view(evidence_id: int):
    """PDFs and images inline for the in-page viewer; anything else downloads."""
    evidence = services.get_evidence(current_user, evidence_id)
    if evidence.content_type not in file_checks.INLINE_TYPES:
        return redirect(url_for("evidence.download", evidence_id=evidence.id))
    response = _serve(evidence, as_attachment=False)
    if isinstance(response, tuple):
        return response
    response.headers["Content-Security-Policy"] = INLINE_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"  # the appraisal sheet and the unit's result frame it
    return response


@bp.route("/lien-ket", methods=["POST"])
@roles_required(*services.UNIT_ROLES)
def link():
    """Cite a library file for an item: a form post (redirects back to `next`) or JSON."""
    form = LinkForm()  # Flask-WTF reads a JSON body as form data too
    if not form.validate_on_submit():
        return render_error(400, "Thiếu tiêu chí hoặc tài liệu cần gắn.")
    row = citations.link(current_user, form.item_id.data, form.evidence_id.data, form.page_ref.data)
    if wants_json() or request.is_json:
        return jsonify(id=row.id, item_id=row.item_id, evidence_id=row.evidence_id, page_ref=row.page_ref), 201
    flash("Đã gắn tài liệu kiểm chứng cho tiêu chí.", "success")
    return redirect(_safe_next(form.next.data, url_for("evidence.index")))


@bp.route("/lien-ket/<int:link_id>/bo", methods=["POST"])
@roles_required(*services.UNIT_ROLES)
def unlink(link_id: int):
    form = DeleteForm()
    if not form.validate_on_submit():
        return render_error(400)
    citations.unlink(current_user, link_id)
    if wants_json() or request.is_json:
        return jsonify(ok=True)
    flash("Đã bỏ liên kết tài liệu khỏi tiêu chí.", "success")
    return redirect(_safe_next(request.form.get("next"), url_for("evidence.index")))
