"""The recipient's usage report form: a file, a description of the use, or both."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pledges.usage.files import ACCEPT, checked_report_file
from pledges.usage.services import ReportFile


class UsageReportForm(forms.Form):
    file = forms.FileField(
        label=_("Report file"),
        required=False,
        help_text=_("A PDF, Word (DOCX), Excel (XLSX), JPEG, PNG or WebP file of at most 10 MB."),
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )
    description = forms.CharField(
        label=_("How are the goods used?"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("For example where each item is installed, since when, and what it powers."),
    )

    def clean_file(self) -> ReportFile | None:
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        content, content_type = checked_report_file(upload)
        return ReportFile(content, content_type, upload.name, upload.size)

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not data.get("file") and not data.get("description", "").strip():
            raise forms.ValidationError(
                _("Upload a report file or describe the use (or both)."), code="empty_report"
            )
        return data
