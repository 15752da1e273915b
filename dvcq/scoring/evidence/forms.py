"""Forms of the evidence library. The service validates again (and decides); these only shape the page."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired

from dvcq.platform.params import IdField


class MetaFields:
    # No length or format validators here: the service checks and lists every problem in one Vietnamese message.
    doc_number = StringField("Số, ký hiệu văn bản")
    doc_date = StringField("Ngày văn bản (dd/mm/yyyy)")
    issuer = StringField("Cơ quan ban hành")
    description = TextAreaField("Mô tả")

    def meta_values(self) -> dict:
        return {
            "doc_number": self.doc_number.data,
            "doc_date": self.doc_date.data,
            "issuer": self.issuer.data,
            "description": self.description.data,
        }


class UploadForm(MetaFields, FlaskForm):
    file = FileField("Tệp tài liệu", validators=[FileRequired("Vui lòng chọn tệp cần tải lên.")])
    page_ref = StringField("Trang/mục dẫn chứng")  # shown when the upload starts from an item


class EditForm(MetaFields, FlaskForm):
    seen = HiddenField()


class DeleteForm(FlaskForm):
    pass


class LinkForm(FlaskForm):
    item_id = IdField(validators=[DataRequired("Thiếu tiêu chí cần gắn tài liệu.")])
    evidence_id = IdField(validators=[DataRequired("Thiếu tài liệu cần gắn.")])
    page_ref = StringField("Trang/mục")
    next = HiddenField()
