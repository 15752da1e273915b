"""Views of criteria: parse the request, call a service, render."""

from flask import Blueprint

bp = Blueprint("criteria", __name__, url_prefix="/tieu-chi", template_folder="templates")
