from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core.forms import DateInput
from jiedu.orgs.forms import UnitChoiceField
from jiedu.orgs.models import OrgUnit
from jiedu.utilities.phone import validate_phone

from .choices import IdType
from .models import DrugType, FamilyContact, HealthRecord, Person


def _split_lines(value: str) -> list[str]:
    return [
        p.strip()
        for p in (value or "").replace("，", ",").replace(",", "\n").splitlines()
        if p.strip()
    ]


def _label_inline(form) -> None:
    """Forms shown inline on the file page have no <label>s: name each box for eyes and readers."""
    for field in form.fields.values():
        field.widget.attrs.setdefault("aria-label", str(field.label))
        if isinstance(field.widget, forms.TextInput | forms.DateInput):
            field.widget.attrs.setdefault("placeholder", str(field.label))
            field.widget.attrs.setdefault("title", str(field.label))


class PersonForm(forms.ModelForm):
    """Shape of a person file; identity cross-checks live in services.validate_identity."""

    id_number = forms.CharField(label=_("证件号码"), max_length=30, required=False)
    aliases = forms.CharField(
        label=_("别名/绰号/曾用名"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行一个，或用逗号分隔。"),
    )
    phones = forms.CharField(
        label=_("联系电话"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行一个，或用逗号分隔。"),
    )
    confirm_not_duplicate = forms.BooleanField(
        label=_("我已核对，确认不是同一人，仍然新建"), required=False
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Person
        fields = [
            "name",
            "gender",
            "birth_date",
            "ethnicity",
            "nationality",
            "id_type",
            "hukou_division",
            "hukou_address",
            "residence_division",
            "residence_address",
            "managing_unit",
            "notes",
        ]
        widgets = {"birth_date": DateInput, "notes": forms.Textarea(attrs={"rows": 2})}
        field_classes = {
            "hukou_division": UnitChoiceField,
            "residence_division": UnitChoiceField,
            "managing_unit": UnitChoiceField,
        }

    field_order = ["name", "gender", "birth_date", "id_type", "id_number"]

    def __init__(self, *args, user, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        divisions = OrgUnit.objects.divisions().filter(is_active=True)
        self.fields["hukou_division"].queryset = divisions
        self.fields["residence_division"].queryset = divisions
        action = "add" if creating else "change"
        units = OrgUnit.objects.granted(user, f"people.{action}_person")
        self.fields["managing_unit"].queryset = units
        if not creating:
            del self.fields["confirm_not_duplicate"]
            del self.fields["idempotency_key"]
            if self.instance.pk:
                # Never put the full number in the page: it is shown only through the logged,
                # permission-checked reveal. A blank box keeps the number on file.
                self.fields["id_number"].widget.attrs["placeholder"] = (
                    self.instance.id_number_masked
                )
                self.fields["id_number"].help_text = _("留空则保持原证件号码不变。")
                self.initial.setdefault(
                    "aliases", "\n".join(self.instance.aliases.values_list("name", flat=True))
                )
                self.initial.setdefault(
                    "phones", "\n".join(self.instance.phones.values_list("number", flat=True))
                )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("请填写姓名。"))
        return name

    def clean_phones(self):
        return [validate_phone(p) for p in _split_lines(self.cleaned_data.get("phones", ""))]

    def clean_aliases(self):
        return _split_lines(self.cleaned_data.get("aliases", ""))

    def clean(self):
        data = super().clean()
        if data.get("id_type") == IdType.RESIDENT_ID and data.get("nationality") not in (
            None,
            "CN",
        ):
            self.add_error("id_type", _("居民身份证只适用于中国国籍；外国人请选择护照等证件。"))
        return data


class HealthForm(forms.ModelForm):
    class Meta:
        model = HealthRecord
        fields = [
            "hiv",
            "hepatitis_b",
            "hepatitis_c",
            "tuberculosis",
            "syphilis",
            "psychiatric_diagnosis",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class DrugUseForm(forms.Form):
    drug_type = forms.ModelChoiceField(
        label=_("毒品种类"), queryset=DrugType.objects.filter(is_active=True)
    )
    first_used_on = forms.DateField(label=_("首次吸食日期"), required=False, widget=DateInput)
    is_injecting = forms.BooleanField(label=_("注射吸毒"), required=False)
    notes = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, birth_date=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.birth_date = birth_date
        self.fields["drug_type"].empty_label = _("选择毒品种类")
        _label_inline(self)

    def clean_first_used_on(self):
        from jiedu.core.clock import today

        value = self.cleaned_data.get("first_used_on")
        if value and value > today():
            raise forms.ValidationError(_("首次吸食日期不能晚于今天。"))
        if value and self.birth_date and value < self.birth_date:
            raise forms.ValidationError(_("首次吸食日期不能早于出生日期。"))
        return value


class FamilyContactForm(forms.ModelForm):
    class Meta:
        model = FamilyContact
        fields = ["name", "relation", "phone", "address", "is_guardian"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _label_inline(self)

    def clean_phone(self):
        value = self.cleaned_data.get("phone", "")
        return validate_phone(value) if value else ""


class PhotoForm(forms.Form):
    photo = forms.ImageField(label=_("照片"))

    def clean_photo(self):
        from django.conf import settings

        photo = self.cleaned_data["photo"]
        if photo.size > settings.PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("照片不能超过5MB。"))
        return photo


class MergeForm(forms.Form):
    other = forms.UUIDField(label=_("重复档案编号"))
    keep = forms.ChoiceField(
        label=_("保留哪份档案"),
        choices=[("this", _("保留本档案，合并对方")), ("other", _("保留对方档案，合并本档案"))],
        widget=forms.RadioSelect,
        initial="this",
    )
