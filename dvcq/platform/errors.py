"""Errors that services raise for the user to read, and the error pages."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError


class ServiceError(Exception):
    """A refusal the user should read (Vietnamese). `status` is the HTTP answer a view gives for it."""

    status = 400

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    """Somebody else saved first, or the object is frozen."""

    status = 409


MESSAGES = {
    400: ("Yêu cầu không hợp lệ", "Dữ liệu gửi lên không hợp lệ. Vui lòng kiểm tra và thử lại."),
    403: ("Không có quyền", "Tài khoản của bạn không có quyền thực hiện thao tác này."),
    404: ("Không tìm thấy", "Không tìm thấy trang hoặc dữ liệu bạn yêu cầu."),
    405: ("Không được phép", "Thao tác này không được hỗ trợ tại địa chỉ này."),
    409: ("Xung đột dữ liệu", "Dữ liệu đã thay đổi hoặc đã bị khoá. Vui lòng tải lại trang."),
    413: ("Tệp quá lớn", "Tệp tải lên vượt quá dung lượng cho phép."),
    429: ("Quá nhiều lần thử", "Bạn đã thử quá nhiều lần. Vui lòng đợi ít phút rồi thử lại."),
    500: ("Lỗi hệ thống", "Đã có lỗi xảy ra. Thao tác chưa được lưu; vui lòng thử lại sau."),
    503: (
        "Tạm thời gián đoạn",
        "Hệ thống tạm thời không kết nối được cơ sở dữ liệu. Không có dữ liệu nào bị "
        "ghi dở. Vui lòng thử lại sau ít phút.",
    ),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(status: int, message: str | None = None, problems: list[str] | None = None):
    title, default = MESSAGES.get(status, MESSAGES[500])
    message = message or default
    if wants_json():
        return jsonify(error=message, problems=problems or []), status
    return render_template(
        "platform/error.html", status=status, title=title, message=message, problems=problems or []
    ), status


def init_app(app) -> None:
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(ServiceError)
    def _service_error(err: ServiceError):
        from dvcq.platform.extensions import db

        db.session.rollback()
        return render_error(err.status, err.message, err.problems)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        # The 404 body never depends on what was asked for, so a foreign unit's object and a missing one answer
        # byte for byte the same.
        from flask_wtf.csrf import CSRFError

        if isinstance(err, CSRFError):
            return render_error(400, "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.")
        if isinstance(err, RateLimitExceeded) and err.limit.error_message:
            return render_error(429, err.description)
        return render_error(err.code or 500)

    @app.errorhandler(StaleDataError)
    def _lost_race(err):
        # A versioned row changed under this request (two people saving at once) where the service did not catch it:
        # a conflict, never a 500 and never a silent overwrite.
        from dvcq.platform.extensions import db

        db.session.rollback()
        return render_error(409, "Dữ liệu vừa được người khác thay đổi nên chưa được lưu. Vui lòng tải lại trang.")

    @app.errorhandler(OperationalError)
    def _db_away(err):
        from flask import g

        from dvcq.platform.extensions import db, login_manager

        db.session.rollback()
        app.logger.warning("database unavailable: %s", err)
        # The page must not need the database: without this, the layout asks for the current user, whose loading
        # queries the database again, and the error page itself fails (a bare 500 instead of this 503).
        g._login_user = login_manager.anonymous_user()
        return render_error(503)
