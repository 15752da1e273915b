"""Forms of the decision pages. They only carry the user's words; the service checks them, with every problem named."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from dvcq.scoring.decisions.signing import SignerMode
from dvcq.tenants.forms import choice


class DecisionForm(FlaskForm):
    version = HiddenField()
    number = StringField("Số quyết định (ví dụ: 05/QĐ-UBND)")
    signed_on = StringField("Ngày ký (dd/mm/yyyy)")
    place = StringField("Địa danh")
    issuer_parent = StringField("Tên cơ quan chủ quản (để trống với Ủy ban nhân dân)")
    issuer = StringField("Tên cơ quan ban hành")
    summary = TextAreaField("Trích yếu")
    regulation = TextAreaField("Căn cứ: Quy định đánh giá, phân loại công tác dân vận chính quyền của tỉnh")
    guidance = TextAreaField("Căn cứ: Hướng dẫn của cơ quan đánh giá (nếu có)")
    legal_bases = TextAreaField("Căn cứ khác (mỗi căn cứ một dòng, ghi cả chữ «Căn cứ»)")
    party_bases = TextAreaField("Thực hiện: văn bản của Đảng (mỗi văn bản một dòng)")
    proposal_by = StringField("Theo đề nghị của (chức danh người trình)")
    proposal_number = StringField("Số Tờ trình (ví dụ: 15/TTr-PNV)")
    proposal_date = StringField("Ngày Tờ trình (dd/mm/yyyy)")
    article_1 = TextAreaField("Điều 1.")
    article_2 = TextAreaField("Điều 2.")
    article_3 = TextAreaField("Điều 3.")
    signer_mode = SelectField("Hình thức ký", choices=[choice(m.value, m.label) for m in SignerMode])
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
            "regulation": self.regulation.data,
            "guidance": self.guidance.data,
            "party_bases": self.party_bases.data,
            "proposal_by": self.proposal_by.data,
            "proposal_number": self.proposal_number.data,
            "proposal_date": self.proposal_date.data,
            "articles": [self.article_1.data or "", self.article_2.data or "", self.article_3.data or ""],
            "signer_mode": self.signer_mode.data,
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
