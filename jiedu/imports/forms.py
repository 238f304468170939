from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MAX_BYTES


class UploadForm(forms.Form):
    """The file to import; whether only to check it."""

    file = forms.FileField(
        label=_("导入文件"),
        help_text=_("Excel（.xlsx）或 CSV 文件，按导入模板填写，最大 10 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=_("仅检查，不导入"),
        required=False,
        help_text=_("检查每一行并报告结果，不作任何更改。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("文件超过 %(n)s MB，请分成几个文件导入。"),
                code="too_large",
                params={"n": MAX_BYTES // (1024 * 1024)},
            )
        return upload
