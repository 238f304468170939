"""Forms of the portal (the person's phone) and of the worker's check-in pages. Shape only: the
services decide."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock

from .choices import ReviewOutcome

_PHONE_ATTRS = {"autocomplete": "tel", "inputmode": "tel", "autocapitalize": "off"}


def _photo_size(photo):
    if photo is not None and photo.size > settings.PHOTO_MAX_BYTES:
        raise forms.ValidationError(_("照片不能超过5MB。"), code="too_large")
    return photo


# --- The person ---------------------------------------------------------------------------------


class PortalLoginForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号码"), max_length=20, widget=forms.TextInput(attrs=_PHONE_ATTRS)
    )
    password = forms.CharField(
        label=_("密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordChangeForm(forms.Form):
    old = forms.CharField(
        label=_("原密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new = forms.CharField(
        label=_("新密码"),
        strip=False,
        help_text=_("至少8位，不能全是数字，不能过于常见。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new2 = forms.CharField(
        label=_("再次输入新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("new") and data.get("new2") and data["new"] != data["new2"]:
            self.add_error("new2", _("两次输入的新密码不一致。"))
        return data


class LeaveForm(forms.Form):
    """请假 (戒毒条例 Art. 19). `client_id` is made when the form is shown, so sending the same
    form twice (a double tap, a retry) asks once."""

    leave_on = forms.DateField(label=_("离开日期"), widget=forms.DateInput(attrs={"type": "date"}))
    return_on = forms.DateField(
        label=_("预计返回日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    destination = forms.CharField(label=_("前往地点"), max_length=100)
    reason = forms.CharField(
        label=_("事由"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )
    client_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("client_id", uuid.uuid4())
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("leave_on") and data.get("return_on") and data["return_on"] < data["leave_on"]:
            self.add_error("return_on", _("返回日期不能早于离开日期。"))
        return data


# --- The worker --------------------------------------------------------------------------------


class OpenAccountForm(forms.Form):
    phone = forms.CharField(
        label=_("本人手机号码"), max_length=20, widget=forms.TextInput(attrs=_PHONE_ATTRS)
    )
    password = forms.CharField(
        label=_("初始密码"),
        strip=False,
        max_length=128,
        help_text=_("告知本人；首次登录时须修改。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class ResetPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("新的初始密码"),
        strip=False,
        max_length=128,
        help_text=_("重置后本人须用此密码登录并立即修改；已登录的设备将退出。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class EnrolFaceForm(forms.Form):
    photo = forms.ImageField(
        label=_("本人正面照片"),
        help_text=_("本人正面、光线充足、无遮挡；用于与每日签到照片比对。"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    on = forms.DateField(
        label=_("采集日期"), initial=clock.today, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_photo(self):
        return _photo_size(self.cleaned_data.get("photo"))


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(label=_("复核结果"), choices=ReviewOutcome.choices)
    note = forms.CharField(label=_("复核说明"), max_length=200, required=False)
