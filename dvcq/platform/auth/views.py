"""Login, logout and password change."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from dvcq.platform.auth import services
from dvcq.platform.auth.forms import LoginForm, PasswordChangeForm
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import limiter, login_manager

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load_user(token: str):
    try:
        return services.user_for_token(token)
    except services.SessionExpired as expired:
        g._session_expired = expired.message
        return None


def _login_key() -> str:
    return "login:" + (request.form.get("login") or "").strip().lower()


def _login_and_address_key() -> str:
    return _login_key() + "@" + (request.remote_addr or "")


def _failed(response) -> bool:
    return response.status_code != 302


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


# Pages a user holding a one-time password may still open: everything else sends them to change it first.
_WHILE_ONE_TIME = frozenset({"auth.change_password", "auth.logout", "auth.login", "static", "home.healthz"})


@bp.before_app_request
def _expired_session_signs_out():
    """A session that ended on the server (idle, or past its lifetime): forget it in the browser and say why on the
    login page, rather than the bare «please log in»."""
    current_user._get_current_object()  # loads the user (or finds the session expired) if nothing did yet
    message = g.pop("_session_expired", None)
    if message is None:
        return None
    logout_user()
    session.clear()
    flash(message, "info")
    if request.endpoint in ("auth.login", "home.healthz") or (request.endpoint or "").endswith("static"):
        return None
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None))


@bp.before_app_request
def _one_time_password_must_be_changed():
    endpoint = request.endpoint or ""
    if endpoint in _WHILE_ONE_TIME or endpoint.endswith(".static"):
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return None


# Failed logins are throttled three ways (README, «Login throttling»): strictly per account from one address, so an
# attacker's address cannot lock the owner out of their own; loosely per account, against guessing from many addresses;
# and per address with a ceiling a whole office behind one NAT does not reach.
@bp.route("/dang-nhap", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"],
    key_func=_login_and_address_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="login-account-address",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_login_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="login-account",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.login.data, form.password.data)
        except ServiceError as err:
            error = err.message
        else:
            session.clear()  # a new session at login: nothing from before survives
            services.open_session(user, request.remote_addr or "", request.user_agent.string or "")
            login_user(user)
            session.permanent = True
            if user.must_change_password:
                flash("Bạn đang dùng mật khẩu dùng một lần: hãy đặt mật khẩu mới trước khi tiếp tục.", "info")
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/dang-xuat", methods=["POST"])
@login_required
def logout():
    services.close_session(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/doi-mat-khau", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user._get_current_object(), form.current.data, form.new.data, form.confirm.data
            )
        except ServiceError as err:
            flash(err.message, "error")
        else:
            flash("Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất.", "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)
