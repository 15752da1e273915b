from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from dvcq.platform.auth.models import Role

try:  # WTForms ≥ 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice as choice
except ImportError:  # pragma: no cover — older WTForms

    def choice(value: str, label: str):
        return (value, label)


class UnitForm(FlaskForm):
    version = HiddenField()
    name = StringField("Tên đơn vị", validators=[DataRequired("Tên đơn vị không được để trống."), Length(max=200)])
    group = StringField("Khối", validators=[Optional(), Length(max=120)])
    valid_from = StringField("Hiệu lực từ ngày (dd/mm/yyyy)", validators=[Optional(), Length(max=20)])
    valid_to = StringField("Hết hiệu lực ngày (dd/mm/yyyy)", validators=[Optional(), Length(max=20)])


class UnitsUploadForm(FlaskForm):
    file = FileField("Tệp danh sách đơn vị (.xlsx hoặc .csv)", validators=[FileRequired("Vui lòng chọn tệp để nhập.")])


class UserForm(FlaskForm):
    login = StringField("Tên đăng nhập", validators=[DataRequired("Vui lòng nhập tên đăng nhập."), Length(max=80)])
    full_name = StringField("Họ và tên", validators=[DataRequired("Vui lòng nhập họ và tên."), Length(max=200)])
    title = StringField("Chức vụ", validators=[Optional(), Length(max=200)])
    email = EmailField("Thư điện tử", validators=[Optional(), Length(max=200)])
    # The service checks the unit (inside the administrator's subtree) and the role, with Vietnamese messages.
    unit_code = SelectField("Đơn vị", validators=[DataRequired("Vui lòng chọn đơn vị.")], validate_choice=False)
    role = SelectField("Vai trò", choices=[choice(r.value, r.label) for r in Role], validate_choice=False)


class VersionForm(FlaskForm):
    version = HiddenField()
