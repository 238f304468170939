from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from jiedu.orgs.forms import UnitChoiceField
from jiedu.orgs.models import OrgUnit

from .models import Role


class MembershipForm(forms.Form):
    org_unit = UnitChoiceField(label=_("单位"), queryset=OrgUnit.objects.none())
    role = forms.ModelChoiceField(label=_("角色"), queryset=Role.objects.all())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.granted(user, "accounts.manage_user")


class UserCreateForm(MembershipForm):
    username = forms.RegexField(
        label=_("用户名"),
        max_length=150,
        regex=r"^[A-Za-z0-9_.-]+$",
        error_messages={"invalid": _("用户名只能包含字母、数字、下划线、点和连字符。")},
    )
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput)

    field_order = ["username", "display_name", "phone", "password", "org_unit", "role"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password)
        return password


class TokenForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=100)
    days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=3650, initial=365)
