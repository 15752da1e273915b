"""Forms of the results pages. They only carry the user's words (and CSRF); the service reads and checks them."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField


class YearDecisionForm(FlaskForm):
    """The decision that approved an imported year: its number and date, and the state of the year the page showed."""

    seen = HiddenField()
    number = StringField("Số quyết định", render_kw={"placeholder": "3807/QĐ-UBND", "maxlength": 60})
    signed_on = StringField("Ngày quyết định", render_kw={"placeholder": "dd/mm/yyyy", "maxlength": 40})
