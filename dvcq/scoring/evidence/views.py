"""Views of evidence: parse the request, call a service, render."""

from flask import Blueprint

bp = Blueprint("evidence", __name__, url_prefix="/tai-lieu", template_folder="templates")
