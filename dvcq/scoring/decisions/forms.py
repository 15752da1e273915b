"""Forms of the decision pages. They only carry the user's words; the service checks them, with every problem named."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField


class DecisionForm(FlaskForm):
    version = HiddenField()
    number = StringField("Số quyết định (ví dụ: 05/QĐ-UBND)")
    signed_on = StringField("Ngày ký (dd/mm/yyyy)")
    place = StringField("Địa danh")
    issuer_parent = StringField("Tên cơ quan chủ quản (dòng trên, có thể để trống)")
    issuer = StringField("Tên cơ quan ban hành")
    summary = TextAreaField("Trích yếu")
    legal_bases = TextAreaField("Căn cứ ban hành (mỗi căn cứ một dòng)")
    article_1 = TextAreaField("Điều 1.")
    article_2 = TextAreaField("Điều 2.")
    article_3 = TextAreaField("Điều 3.")
    signer_authority = StringField("Thẩm quyền ký (ví dụ: TM. ỦY BAN NHÂN DÂN)")
    signer_title = StringField("Chức vụ người ký")
    signer_name = StringField("Họ tên người ký")
    recipients = TextAreaField("Nơi nhận (mỗi nơi một dòng)")

    def fields_for_service(self) -> dict:
        return {
            "number": self.number.data,
            "signed_on": self.signed_on.data,
            "place": self.place.data,
            "issuer_parent": self.issuer_parent.data,
            "issuer": self.issuer.data,
            "summary": self.summary.data,
            "legal_bases": self.legal_bases.data,
            "articles": [self.article_1.data or "", self.article_2.data or "", self.article_3.data or ""],
            "signer_authority": self.signer_authority.data,
            "signer_title": self.signer_title.data,
            "signer_name": self.signer_name.data,
            "recipients": self.recipients.data,
        }


class VersionForm(FlaskForm):
    version = HiddenField()


class AmendmentForm(FlaskForm):
    number = StringField("Số quyết định điều chỉnh (ví dụ: 12/QĐ-UBND)")
    signed_on = StringField("Ngày ký (dd/mm/yyyy)")
    changes = TextAreaField(
        "Điểm điều chỉnh — mỗi dòng: mã đơn vị; mã tiêu chí; điểm mới (ví dụ: BATO-BDO; 2.1.a; 1,50)"
    )
    reason = TextAreaField("Lý do điều chỉnh")
