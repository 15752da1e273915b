"""Views of selfassessment: parse the request, call a service, render."""

from flask import Blueprint

bp = Blueprint("selfassessment", __name__, url_prefix="/tu-danh-gia", template_folder="templates")
