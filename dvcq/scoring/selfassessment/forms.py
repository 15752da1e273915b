"""Forms of the self-assessment. An item's score and note are read by the view (JSON or form) and checked by the
service; these are the leader's confirmations."""

from flask_wtf import FlaskForm
from wtforms import BooleanField

CONFIRM_TEXT = (
    "Tôi đã kiểm tra hồ sơ và xác nhận nộp. Sau khi nộp, hồ sơ bị khoá; chỉ lãnh đạo đơn vị rút về được khi còn "
    "trong hạn tự đánh giá."
)


class SubmitForm(FlaskForm):
    confirm = BooleanField(CONFIRM_TEXT)


class WithdrawForm(FlaskForm):
    pass
