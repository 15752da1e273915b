"""Views of campaigns: parse the request, call a service, render."""

from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/ky-danh-gia", template_folder="templates")
