from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import UnitKind


class UnitChoiceField(forms.ModelChoiceField):
    """A unit picker that shows the tree by indenting each unit under its parent."""

    def label_from_instance(self, obj):
        return "　" * max(obj.depth - 1, 0) + obj.name


class UnitForm(forms.Form):
    code = forms.CharField(label=_("机构代码"), max_length=32)
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=UnitKind.choices)
    division_code = forms.CharField(label=_("行政区划代码"), max_length=6, required=False)


class UnitEditForm(forms.Form):
    code = forms.CharField(label=_("机构代码"), max_length=32)
    name = forms.CharField(label=_("名称"), max_length=100)
    division_code = forms.CharField(label=_("行政区划代码"), max_length=6, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False)
