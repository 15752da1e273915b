"""The bell: the user's notifications page and "mark all read", and the unread count in every page's header."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from dvcq.platform import notifications

bp = Blueprint("notifications", __name__)


@bp.route("/thong-bao")
@login_required
def index():
    return render_template("platform/notifications.html", items=notifications.recent(current_user))


@bp.route("/thong-bao/da-doc", methods=["POST"])
@login_required
def mark_all_read():
    notifications.mark_all_read(current_user)
    return redirect(url_for("notifications.index"))


def init_app(app) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _bell():
        if current_user.is_authenticated:
            return {"unread_notifications": notifications.unread_count(current_user)}
        return {"unread_notifications": 0}
