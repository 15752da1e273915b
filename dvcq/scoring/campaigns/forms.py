"""Forms of the campaign screens. They shape the page and read dd/mm/yyyy days; the service decides."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from dvcq.platform.formatting import parse_vn_date
from dvcq.scoring.campaigns.services import DEADLINE_FIELDS, DEADLINE_LABELS
from dvcq.scoring.models import CampaignStatus

DAY_HINT = "dd/mm/yyyy — hết ngày theo giờ Việt Nam"


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
    criteria_version_id = StringField("Bộ tiêu chí áp dụng")
    self_assessment_deadline = StringField(DEADLINE_LABELS[CampaignStatus.SELF_ASSESSMENT], [Optional()])
    appraisal_deadline = StringField(DEADLINE_LABELS[CampaignStatus.APPRAISAL], [Optional()])
    explanation_deadline = StringField(DEADLINE_LABELS[CampaignStatus.EXPLANATION], [Optional()])
    final_review_deadline = StringField(DEADLINE_LABELS[CampaignStatus.FINAL_REVIEW], [Optional()])

    def deadline_fields(self):
        return [getattr(self, name) for name in DEADLINE_FIELDS.values()]

    def parsed(self, unit_values: list[str]) -> tuple[dict, list[str]]:
        """The values for the service, and what could not be read (every problem at once). `unit_values` are the
        ticked participant checkboxes."""
        problems: list[str] = []
        year = None
        text = (self.year.data or "").strip()
        if not text.isdigit():
            problems.append(f"Năm đánh giá «{text}» không hợp lệ." if text else "Vui lòng nhập năm đánh giá.")
        else:
            year = int(text)
        version_id = int(self.criteria_version_id.data) if (self.criteria_version_id.data or "").isdigit() else 0
        unit_ids = [int(v) for v in unit_values if str(v).isdigit()]
        deadlines = {
            stage: parse_day(getattr(self, name).data, DEADLINE_LABELS[stage], problems)
            for stage, name in DEADLINE_FIELDS.items()
        }
        values = {
            "year": year,
            "name": self.name.data or "",
            "criteria_version_id": version_id,
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
