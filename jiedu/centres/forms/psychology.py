"""Forms of the psychological centre. The answer sheet is built from the instrument's
definition; its answers are checked by the scoring engine so each problem shows at its item in
the engine's words."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core.forms import DateInput

from .. import scoring
from ..choices import RiskLevel, SessionKind
from ..services.psychology import answer_field, bilingual_text


def pick_text(obj: dict, key: str) -> str:
    """`key_zh` or `key_en` of a definition entry, following the active language."""
    return bilingual_text(obj.get(f"{key}_zh", ""), obj.get(f"{key}_en", ""))


def _number(raw: str):
    """A posted answer as the number it names (int when whole), or the text when it is none —
    the engine then says it is not a number."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() and "." not in text else value


def _fmt(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


class InstrumentResponseForm(forms.Form):
    """An instrument's answer sheet: one radio group per item with options, a number input per
    ranged item, one number input per result field in "results" mode."""

    answered_on = forms.DateField(label=_("测评日期"), widget=DateInput)

    def __init__(self, *args, definition: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.mode = definition.get("mode", "items")
        self.rows: list[tuple[str, object]] = []  # (field name, item or result entry)
        if self.mode == "results":
            for result in definition["results"]:
                name = answer_field(None, result["code"])
                self.fields[name] = forms.CharField(
                    label=pick_text(result, "name"),
                    required=False,
                    widget=forms.NumberInput(
                        attrs={
                            "min": result["min"],
                            "max": result["max"],
                            "step": result.get("step", 1),
                        }
                    ),
                )
                self.rows.append((name, result))
            return
        for item in definition["items"]:
            name = answer_field(item["number"], None)
            label = f"{item['number']}. {pick_text(item, 'text')}"
            if item.get("options"):
                choices = [(_fmt(o["value"]), pick_text(o, "label")) for o in item["options"]]
                widget = forms.RadioSelect(choices=choices)
            else:
                rng = item["range"]
                widget = forms.NumberInput(
                    attrs={"min": rng["min"], "max": rng["max"], "step": rng.get("step", 1)}
                )
            self.fields[name] = forms.CharField(label=label, required=False, widget=widget)
            self.rows.append((name, item))

    def answer_rows(self):
        """(bound field, whether it must be answered) for the template."""
        return [(self[name], not entry.get("optional", False)) for name, entry in self.rows]

    def answers(self) -> dict:
        out = {}
        for name, entry in self.rows:
            value = _number(self.cleaned_data.get(name, ""))
            if value is None:
                continue
            out[entry["number"] if self.mode == "items" else entry["code"]] = value
        return out

    def clean(self):
        data = super().clean()
        for error in scoring.answer_errors(self.definition, self.answers()):
            target = answer_field(error.item, error.field)
            self.add_error(
                target if target in self.fields else None,
                bilingual_text(error.message_zh, error.message_en),
            )
        return data


class CounsellingForm(forms.Form):
    held_on = forms.DateField(label=_("咨询日期"), widget=DateInput)
    kind = forms.ChoiceField(label=_("形式"), choices=SessionKind.choices)
    counsellor = forms.CharField(label=_("咨询师"), max_length=100)
    minutes = forms.IntegerField(label=_("时长（分钟）"), min_value=1, max_value=480)
    summary = forms.CharField(label=_("记录"), widget=forms.Textarea(attrs={"rows": 3}))


class CrisisStartForm(forms.Form):
    started_on = forms.DateField(label=_("干预日期"), widget=DateInput)
    trigger = forms.CharField(label=_("起因"), max_length=200)
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=RiskLevel.choices)
    actions = forms.CharField(label=_("干预措施"), widget=forms.Textarea(attrs={"rows": 3}))


class CrisisCloseForm(forms.Form):
    closed_on = forms.DateField(label=_("结案日期"), widget=DateInput)
    outcome = forms.CharField(label=_("结果"), max_length=200)


class InstrumentDefinitionForm(forms.Form):
    definition = forms.CharField(
        label=_("量表定义（JSON）"),
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false"}),
        help_text=_("粘贴量表的JSON定义；格式见 jiedu/centres/scoring 的说明。"),
    )

    def clean_definition(self):
        text = self.cleaned_data["definition"]
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("不是有效的JSON（第%(line)s行第%(col)s列）：%(msg)s"),
                code="invalid_json",
                params={"line": exc.lineno, "col": exc.colno, "msg": exc.msg},
            ) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(_("量表定义须为JSON对象。"), code="invalid_json")
        return data
