"""Forms of the campaign screens. They shape the page and read dd/mm/yyyy days; the service decides."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from dvcq.platform import params
from dvcq.platform.formatting import parse_vn_date
from dvcq.scoring.campaigns.services import DEADLINE_FIELDS, DEADLINE_LABELS
from dvcq.scoring.models import CampaignStatus

DAY_HINT = "dd/mm/yyyy — hết ngày theo giờ Việt Nam"
CRITERIA_PREFIX = "criteria-"  # one select per group: criteria-<group id> = version id


def parse_day(text: str | None, label: str, problems: list[str], required: bool = False) -> date | None:
    text = (text or "").strip()
    if not text:
        if required:
            problems.append(f"Vui lòng nhập {label.lower()} (dd/mm/yyyy).")
        return None
    try:
        return parse_vn_date(text)
    except ValueError:
        problems.append(f"{label}: «{text}» không phải là ngày hợp lệ (dd/mm/yyyy).")
        return None


class CampaignForm(FlaskForm):
    version = HiddenField()
    year = StringField("Năm đánh giá", validators=[Length(max=10)])
    name = StringField("Tên kỳ đánh giá", validators=[Length(max=300)])
    self_assessment_deadline = StringField(DEADLINE_LABELS[CampaignStatus.SELF_ASSESSMENT], [Optional()])
    appraisal_deadline = StringField(DEADLINE_LABELS[CampaignStatus.APPRAISAL], [Optional()])
    explanation_deadline = StringField(DEADLINE_LABELS[CampaignStatus.EXPLANATION], [Optional()])
    final_review_deadline = StringField(DEADLINE_LABELS[CampaignStatus.FINAL_REVIEW], [Optional()])

    def deadline_fields(self):
        return [getattr(self, name) for name in DEADLINE_FIELDS.values()]

    def parsed(self, unit_values: list[str], criteria_values: dict[str, str]) -> tuple[dict, list[str]]:
        """The values for the service, and what could not be read (every problem at once). `unit_values` are the
        ticked participant checkboxes; `criteria_values` the posted fields, of which `criteria-<group id>` hold the
        version chosen for each group (empty: not chosen; no such field at all: the choices are not being changed,
        `criteria` None)."""
        problems: list[str] = []
        text = (self.year.data or "").strip()
        year = params.whole(text) if len(text) <= 4 else None
        if year is None:
            problems.append(f"Năm đánh giá «{text[:20]}» không hợp lệ." if text else "Vui lòng nhập năm đánh giá.")
        criteria = {
            group_id: params.whole(value)
            for key, value in criteria_values.items()
            if key.startswith(CRITERIA_PREFIX)
            and (group_id := params.whole(key.removeprefix(CRITERIA_PREFIX))) is not None
        }
        unit_ids = [i for i in map(params.whole, unit_values) if i is not None]
        deadlines = {
            stage: parse_day(getattr(self, name).data, DEADLINE_LABELS[stage], problems)
            for stage, name in DEADLINE_FIELDS.items()
        }
        values = {
            "year": year,
            "name": self.name.data or "",
            "criteria": criteria if any(k.startswith(CRITERIA_PREFIX) for k in criteria_values) else None,
            "unit_ids": unit_ids,
            "deadlines": deadlines,
        }
        return values, problems


class AdvanceForm(FlaskForm):
    version = HiddenField()
    confirm_unsubmitted = BooleanField("Chuyển dù còn đơn vị chưa nộp")


class ExtendForm(FlaskForm):
    version = HiddenField()
    stage = StringField("Giai đoạn")
    day = StringField("Hạn mới (dd/mm/yyyy)")
    reason = TextAreaField("Lý do gia hạn", validators=[Length(max=1000)])


class UnitExtendForm(FlaskForm):
    day = StringField("Hạn mới (dd/mm/yyyy)")
    reason = TextAreaField("Lý do gia hạn", validators=[Length(max=1000)])


class ActionForm(FlaskForm):
    """A button that acts on the campaign: only the CSRF token, and the version of the campaign when it matters."""

    version = HiddenField()
    assessment_id = HiddenField()
