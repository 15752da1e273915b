from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from dvcq.insights.tokens import NAME_MAX


class TokenForm(FlaskForm):
    name = StringField(
        "Tên (dùng cho hệ thống nào)",
        validators=[
            DataRequired("Vui lòng đặt tên cho mã truy cập (ví dụ: «Cổng thông tin tỉnh»)."),
            Length(max=NAME_MAX, message=f"Tên mã truy cập dài quá {NAME_MAX} ký tự."),
        ],
    )
