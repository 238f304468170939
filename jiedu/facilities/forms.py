"""Forms of the facility pages; the services decide what the rules allow."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.forms import DateInput
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.forms import UnitChoiceField
from jiedu.orgs.models import OrgUnit

from .choices import LeaveGround, PregnancyTest, ReturnTest, StageResult
from .models import Bed, Zone


def _today_initial(form, *names):
    for name in names:
        form.fields[name].initial = clock.today()


class IntakeForm(forms.Form):
    on = forms.DateField(label=_("入所日期"), widget=DateInput)
    identity_checked = forms.BooleanField(label=_("已核对身份"), required=False)
    searcher_1 = forms.CharField(label=_("检查民警一"), max_length=40)
    searcher_2 = forms.CharField(label=_("检查民警二"), max_length=40)
    health_summary = forms.CharField(
        label=_("入所健康检查"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    injuries = forms.CharField(
        label=_("伤情记录"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    pregnancy_test = forms.ChoiceField(
        label=_("妊娠检测（女性）"), choices=PregnancyTest.choices, required=False
    )
    breastfeeding = forms.BooleanField(label=_("正在哺乳不满一周岁婴儿"), required=False)
    files_received = forms.BooleanField(label=_("已接收公安阶段档案"), required=False)
    bed = forms.ModelChoiceField(label=_("床位"), queryset=Bed.objects.none(), required=False)
    property = forms.CharField(
        label=_("代管财物（每行一件，可写“物品×数量”）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, facility=None, **kwargs):
        super().__init__(*args, **kwargs)
        _today_initial(self, "on")
        if facility is not None:
            from .models import Admission

            taken = Admission.objects.filter(left_on__isnull=True, bed__isnull=False).values("bed")
            self.fields["bed"].queryset = (
                Bed.objects.filter(zone__facility=facility, is_active=True, zone__is_active=True)
                .exclude(pk__in=taken)
                .select_related("zone")
            )

    def property_items(self) -> list[tuple[str, int]]:
        items = []
        for line in self.cleaned_data.get("property", "").splitlines():
            line = line.strip()
            if not line:
                continue
            name, _sep, qty = line.replace("x", "×").partition("×")
            qty = qty.strip()
            items.append((name.strip(), int(qty) if qty.isascii() and qty.isdigit() else 1))
        return items


class TransferForm(IntakeForm):
    """The receiving facility's intake; its bed is assigned there with a zone change."""

    to_facility = UnitChoiceField(
        label=_("移送至"),
        queryset=OrgUnit.objects.filter(kind=UnitKind.JUDICIAL_FACILITY, is_active=True),
    )
    bed = None

    field_order = ["to_facility"]


class ZoneChangeForm(forms.Form):
    to_zone = forms.ModelChoiceField(label=_("调整至"), queryset=Zone.objects.none())
    bed = forms.ModelChoiceField(label=_("床位"), queryset=Bed.objects.none(), required=False)
    on = forms.DateField(label=_("日期"), widget=DateInput)
    stage_result = forms.ChoiceField(
        label=_("阶段评估结果"), choices=[("", "—"), *StageResult.choices], required=False
    )
    evaluation_note = forms.CharField(label=_("评估说明"), max_length=200, required=False)
    reason = forms.CharField(label=_("调整原因"), max_length=200)

    def __init__(self, *args, facility=None, **kwargs):
        super().__init__(*args, **kwargs)
        _today_initial(self, "on")
        if facility is not None:
            from .models import Admission

            taken = Admission.objects.filter(left_on__isnull=True, bed__isnull=False).values("bed")
            self.fields["to_zone"].queryset = Zone.objects.filter(facility=facility, is_active=True)
            self.fields["bed"].queryset = (
                Bed.objects.filter(zone__facility=facility, is_active=True)
                .exclude(pk__in=taken)
                .select_related("zone")
            )


class LeaveForm(forms.Form):
    ground = forms.ChoiceField(label=_("事由"), choices=LeaveGround.choices)
    starts_on = forms.DateField(label=_("离所日期"), widget=DateInput)
    due_back_on = forms.DateField(label=_("应回所日期（含路途不超过10日）"), widget=DateInput)
    destination = forms.CharField(label=_("前往地点"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _today_initial(self, "starts_on")


class LeaveReturnForm(forms.Form):
    on = forms.DateField(label=_("回所日期"), widget=DateInput)
    return_test = forms.ChoiceField(label=_("回所吸毒检测"), choices=ReturnTest.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _today_initial(self, "on")


class SegregationForm(forms.Form):
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput)
    ends_on = forms.DateField(label=_("结束日期（每次不超过5日）"), widget=DateInput)
    reason = forms.CharField(label=_("原因"), max_length=200)
    emergency = forms.BooleanField(
        label=_("紧急情况先行处置（24小时内报所领导批准）"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _today_initial(self, "starts_on")


class ParoleForm(forms.Form):
    starts_on = forms.DateField(label=_("出所就医日期"), widget=DateInput)
    hospital = forms.CharField(label=_("就医机构"), max_length=100)
    approval_number = forms.CharField(label=_("批准文号"), max_length=60)
    approved_by_unit = forms.CharField(label=_("批准机关"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _today_initial(self, "starts_on")


class OnForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _today_initial(self, "on")


class EscapeForm(OnForm):
    reason = forms.CharField(label=_("情况说明"), max_length=200, required=False)


class ReleaseForm(forms.Form):
    on = forms.DateField(label=_("出所日期"), widget=DateInput)
    early = forms.BooleanField(label=_("提前解除（经决定机关批准）"), required=False)
    certificate_number = forms.CharField(label=_("解除强制隔离戒毒证明书编号"), max_length=60)
    rehab_unit = UnitChoiceField(
        label=_("责令社区康复：执行地乡镇（街道）"),
        queryset=OrgUnit.objects.filter(
            kind__in=[UnitKind.TOWNSHIP, UnitKind.TOWNSHIP_OFFICE], is_active=True
        ),
        required=False,
    )
    rehab_months = forms.IntegerField(
        label=_("社区康复期限（月，不超过36）"), min_value=1, max_value=36, required=False
    )
    rehab_number = forms.CharField(label=_("责令社区康复决定书文号"), max_length=60, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _today_initial(self, "on")

    def clean(self):
        data = super().clean()
        given = [data.get("rehab_unit"), data.get("rehab_months"), data.get("rehab_number")]
        if any(given) and not all(given):
            raise forms.ValidationError(
                _("责令社区康复须同时填写执行地、期限和决定书文号。"), code="incomplete_order"
            )
        return data
