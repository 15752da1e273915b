"""Views of insights: the leadership dashboard (/tong-quan), its .xlsx export, a unit's profile, and the
administrator's API tokens. Parse the request, call a service, render."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from dvcq.insights import charts, profiles, services, tokens
from dvcq.insights import dashboard as boards
from dvcq.insights.forms import TokenForm
from dvcq.insights.frames import Filters
from dvcq.insights.tables import workbook
from dvcq.insights.vendor import plotly_url
from dvcq.platform import clock
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_datetime
from dvcq.platform.permissions import AUTHORITY_STAFF, UNIT_STAFF, roles_required
from dvcq.platform.security import CSP
from dvcq.platform.tenancy import current_scope

bp = Blueprint(
    "insights",
    __name__,
    url_prefix="/tong-quan",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/insights",
)
# The area's links in the top navigation: (label, endpoint, roles that see it).
NAV = (
    ("Tổng quan", "insights.dashboard", AUTHORITY_STAFF),
    ("Hồ sơ đơn vị", "insights.my_profile", UNIT_STAFF),
    ("Mã truy cập API", "insights.tokens_view", (Role.ADMIN,)),
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Measured in Chromium under the platform's strict policy, plotly.js 4 is refused three ways: it inserts <style>
# elements (one empty, one with its mode-bar and hover rules) and sets `style` attributes with setAttribute. Hashes
# cannot allow style attributes (that needs 'unsafe-hashes' plus every value). So a response that draws charts allows
# inline *styles* — scripts stay 'self' only — and only those responses: every other page keeps the strict policy.
CHART_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def _with_chart_csp(response):
    response.headers["Content-Security-Policy"] = CHART_CSP
    return response


def home_cards(user):
    if user.role in AUTHORITY_STAFF:
        cards = [
            {
                "title": "Tổng quan kết quả qua các năm",
                "body": "Thứ hạng, phân bố điểm, tự chấm so với thẩm định, lĩnh vực và tiêu chí mất điểm.",
                "link": url_for("insights.dashboard"),
                "link_text": "Xem tổng quan",
            }
        ]
        if user.role == Role.ADMIN:
            cards.append(
                {
                    "title": "Mã truy cập API",
                    "body": "Cấp và thu hồi mã cho các hệ thống khác đọc kết quả đã công bố.",
                    "link": url_for("insights.tokens_view"),
                    "link_text": "Quản lý mã truy cập",
                }
            )
        return cards
    return [
        {
            "title": "Hồ sơ đơn vị",
            "body": "Kết quả của đơn vị qua các năm, điểm theo lĩnh vực và kế hoạch cải thiện.",
            "link": url_for("insights.profile", unit_id=user.unit_id),
            "link_text": "Xem hồ sơ",
        }
    ]


def _authority_id() -> int:
    return current_scope().authority_id


def _int(name: str, problems: list[str], label: str) -> int | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 4:
        problems.append(f"{label} «{text}» không phải là một năm; đã bỏ qua.")
        return None
    return int(text)


def _filters() -> tuple[Filters, list[str]]:
    """The GET form's filters; a bad value is ignored with a note, never an error page."""
    problems: list[str] = []
    units = tuple(sorted({int(v) for v in request.args.getlist("don_vi") if v.isdigit() and len(v) < 10}))
    filters = Filters(
        group=(request.args.get("khoi") or "").strip() or None,
        year_from=_int("tu_nam", problems, "Từ năm"),
        year_to=_int("den_nam", problems, "Đến năm"),
        heat_year=_int("nam_linh_vuc", problems, "Năm xem lĩnh vực"),
        units=units,
        merge=request.args.get("gop") == "1",
    )
    return filters, problems


def _sections(board: boards.Dashboard) -> Markup:
    """The cached Dashboard's sections, rendered on its first view and kept with it (two first viewers may both
    render: the same HTML)."""
    if board.sections_html is None:
        board.sections_html = render_template("insights/_sections.html", board=board)
    return Markup(board.sections_html)


@bp.route("/")
@roles_required(*AUTHORITY_STAFF)
def dashboard():
    filters, problems = _filters()
    board = boards.dashboard(_authority_id(), filters)
    body = render_template(
        "insights/dashboard.html",
        board=board,
        note=services.demo_note(_authority_id()),
        sections=_sections(board),
        problems=[*problems, *board.problems],
        plotly_src=plotly_url(),
        export_url=url_for("insights.export", **request.args.to_dict(flat=False)),
    )
    return _with_chart_csp(make_response(body)) if board.has_data else body


@bp.route("/xuat.xlsx")
@roles_required(*AUTHORITY_STAFF)
def export():
    filters, _ = _filters()
    board = boards.dashboard(_authority_id(), filters)
    if not board.has_data:
        abort(404)
    f = board.filters
    info = [
        ("Nội dung", "Tổng quan kết quả Chỉ số Dân vận chính quyền"),
        ("Đơn vị đánh giá", current_user.unit.name),
        ("Khối", f.group or "Tất cả các khối"),
        ("Từ năm", str(f.year_from)),
        ("Đến năm", str(f.year_to)),
        ("Gộp lịch sử đơn vị tiền thân", "Có" if f.merge else "Không"),
        ("Lập lúc", vn_datetime(clock.utc())),
        ("Người lập", current_user.full_name),
    ]
    data = workbook(board.tables(), info)
    name = f"Tổng quan kết quả {f.year_from}-{f.year_to}.xlsx"
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


@bp.route("/don-vi-cua-toi")
@login_required
def my_profile():
    return redirect(url_for("insights.profile", unit_id=current_user.unit_id))


@bp.route("/don-vi/<int:unit_id>")
@login_required
def profile(unit_id: int):
    unit = profiles.visible_unit(current_user, unit_id)
    if unit is None:
        abort(404)
    data = profiles.unit_profile(unit, with_plans=profiles.may_read_plans(current_user, unit))
    figure = None
    if data.history["appraised_total"].notna().any():
        figure = boards.Figure(
            "fig-history",
            charts.unit_history_json(data.history, unit.name),
            f"Điểm thẩm định của {unit.name} qua các năm",
        )
    body = render_template(
        "insights/profile.html",
        profile=data,
        figure=figure,
        plotly_src=plotly_url(),
        staff=current_user.role in AUTHORITY_STAFF,
        linkable={p.unit_id for p in data.predecessors if p.authority_id == unit.authority_id},
    )
    return _with_chart_csp(make_response(body)) if figure else body


# ---- API tokens (administrator) -----------------------------------------------------------------------------------


def _tokens_page(form: TokenForm, issued: tuple | None = None, error: str | None = None, status: int = 200):
    return render_template(
        "insights/tokens.html",
        form=form,
        tokens=tokens.tokens_of(current_user),
        issued=issued,
        error=error,
        api_doc=url_for("api.openapi"),
    ), status


@bp.route("/ma-truy-cap", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def tokens_view():
    form = TokenForm()
    if request.method == "GET":
        return _tokens_page(form)
    if not form.validate_on_submit():
        errors = [e for errs in form.errors.values() for e in errs]
        return _tokens_page(form, error=" ".join(errors) or "Chưa cấp được mã truy cập.", status=400)
    try:
        token, plain = tokens.issue(current_user, form.name.data)
    except ServiceError as err:
        db.session.rollback()
        return _tokens_page(form, error=err.message, status=400)
    return _tokens_page(TokenForm(formdata=None), issued=(token, plain))


@bp.route("/ma-truy-cap/<int:token_id>/thu-hoi", methods=["POST"])
@roles_required(Role.ADMIN)
def revoke_token(token_id: int):
    try:
        token = tokens.revoke(current_user, token_id)
    except ServiceError as err:
        if err.status == 404:
            abort(404)
        raise
    flash(f"Đã thu hồi mã truy cập «{token.name}». Hệ thống dùng mã này sẽ không đọc được dữ liệu nữa.", "success")
    return redirect(url_for("insights.tokens_view"))
