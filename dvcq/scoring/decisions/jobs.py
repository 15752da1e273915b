"""Jobs that write the decision's files: the official .docx (and PDF where LibreOffice is installed) after issuing,
and a preview of a draft. Files are built whole in memory and written to storage only once complete; a decision
points at a file only after it is stored. Idempotent: a file already stored is not written again.
"""

from __future__ import annotations

import io

from flask import current_app
from sqlalchemy import select

from dvcq.platform import audit
from dvcq.platform.auth.models import User
from dvcq.platform.errors import NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.jobs import JobContext
from dvcq.platform.storage import get_storage
from dvcq.platform.tenancy import current_scope
from dvcq.scoring.decisions import document
from dvcq.scoring.decisions.generation import document_data, download_name
from dvcq.scoring.decisions.services import path_for
from dvcq.scoring.models import Decision, DecisionStatus

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf_wanted() -> bool:
    """PDF where LibreOffice is installed, unless the deployment turns it off (DECISIONS_PDF=False)."""
    return bool(current_app.config.get("DECISIONS_PDF", True)) and document.pdf_available()


def _decision(decision_id: int) -> Decision:
    scope = current_scope()
    stmt = select(Decision).where(Decision.id == decision_id)
    if scope is not None and not scope.system:
        stmt = stmt.where(Decision.authority_id == scope.authority_id)
    decision = db.session.execute(stmt).scalar_one_or_none()
    if decision is None:
        raise NotFound("Không tìm thấy quyết định.")
    return decision


def _store(data: bytes, extension: str) -> tuple[str, int, str]:
    storage = get_storage()
    key = f"decisions/{storage.new_key()}.{extension}"
    size, sha256 = storage.save(io.BytesIO(data), key)
    return key, size, sha256


def _keep(decision: Decision, actor: User | None, data: bytes, kind: str) -> None:
    """Store the decision's `kind` file ("docx" or "pdf"), point the decision at it and audit it, committed at once: a
    retried job finds it stored and does not write it again."""
    key, size, sha256 = _store(data, kind)
    setattr(decision, f"{kind}_key", key)
    audit.record(
        "decision.document",
        actor=actor,
        unit_id=decision.authority_id,
        target=decision,
        after={f"{kind}_key": key, "size": size, "sha256": sha256},
    )
    db.session.commit()


def _stored(key: str | None) -> bool:
    return bool(key) and get_storage().exists(key)


def _result(decision: Decision) -> dict:
    result = {
        "download": path_for("decisions.download", decision_id=decision.id, kind="docx"),
        "label": f"Tải {download_name(decision, 'docx')}",
    }
    if decision.pdf_key:
        result["pdf"] = path_for("decisions.download", decision_id=decision.id, kind="pdf")
    return result


def generate(ctx: JobContext, decision_id: int) -> dict:
    """The issued decision's official files."""
    decision = _decision(decision_id)
    if decision.status != DecisionStatus.ISSUED:
        raise ServiceError("Quyết định chưa ban hành; chỉ tạo được bản xem trước.")
    actor = db.session.get(User, ctx.record.created_by_id) if ctx.record.created_by_id else None
    data = None
    if not _stored(decision.docx_key):
        ctx.progress(10, "Đang lập nội dung quyết định và phụ lục kết quả")
        data = document.build_docx(document_data(decision))
        ctx.progress(40, "Đang lưu tệp Word (.docx)")
        _keep(decision, actor, data, "docx")
    if pdf_wanted() and not _stored(decision.pdf_key):
        if data is None:
            with get_storage().open(decision.docx_key) as stream:
                data = stream.read()
        ctx.progress(55, "Đang chuyển sang PDF bằng LibreOffice")
        try:
            pdf = document.docx_to_pdf(data)
        except RuntimeError as err:
            message = f"Đã tạo tệp .docx nhưng chưa chuyển được sang PDF: {err}. Hãy bấm «Tạo lại tệp»."
            raise ServiceError(message) from err
        ctx.progress(85, "Đang lưu tệp PDF")
        _keep(decision, actor, pdf, "pdf")
    ctx.progress(100, "Đã tạo xong tệp quyết định")
    return _result(decision)


def preview(ctx: JobContext, decision_id: int) -> dict:
    """A .docx of the decision as it stands, marked "DỰ THẢO" while it is a draft. Nothing on the decision changes."""
    decision = _decision(decision_id)
    ctx.progress(20, "Đang lập bản xem trước")
    data = document.build_docx(document_data(decision))
    ctx.progress(70, "Đang lưu bản xem trước")
    key, _, _ = _store(data, "docx")
    return {
        "download": path_for("decisions.preview_download", decision_id=decision.id, job_id=ctx.record.id),
        "label": "Tải bản xem trước (.docx)",
        "key": key,
    }
