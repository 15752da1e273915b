"""Forms of the criteria screens (CSRF through Flask-WTF; the services check everything again)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ImportForm(FlaskForm):
    file = FileField("Tệp bộ tiêu chí (.xlsx)", validators=[FileRequired("Vui lòng chọn tệp .xlsx.")])
    name = StringField("Tên phiên bản", validators=[Optional(), Length(max=200)])


class CopyForm(FlaskForm):
    name = StringField("Tên phiên bản mới", validators=[Optional(), Length(max=200)])


class VersionForm(FlaskForm):
    """A bare form for buttons (delete, load the sample): CSRF and the version number the user saw."""

    version = HiddenField()


class RenameForm(FlaskForm):
    version = HiddenField()
    name = StringField("Tên phiên bản", validators=[DataRequired("Tên không được để trống."), Length(max=200)])
    description = TextAreaField("Ghi chú", validators=[Optional(), Length(max=4000)])


class NodeForm(FlaskForm):
    version = HiddenField()
    name = TextAreaField("Tên tiêu chí", validators=[DataRequired("Tên tiêu chí không được để trống.")])
    guidance = TextAreaField("Hướng dẫn chấm", validators=[Optional()])
