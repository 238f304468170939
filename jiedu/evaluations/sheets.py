"""Scoring sheets (评分表) as data: the published ones shipped as national defaults, a province's
own versions stored as `ScoringSheet` rows, and the arithmetic that turns item points into a
dimension result.

A sheet definition:

    {"dimension": "detox", "name_zh": …, "name_en": …, "source": …, "fallback": bool,
     "items": [{"code", "label_zh", "label_en", "max_points", "step"?, "required"?,
                "prefill"?, "params"?}],
     "pass": {"min_total": 100}                       # pass/fail dimensions
          | {"good_min_total": 60}}                   # the social dimension: good / fair

- `step`: the points an item moves in (20 = pass/fail item worth 20; 4 = 4 points a part);
- `required`: the item must get full marks for the dimension to pass (BJDIAG: every detox item);
- `prefill`: the name of a pre-fill source in `evaluations.prefill` that reads the centres'
  records; `params` are passed to it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.rules import ancestor_paths

from .choices import Dimension, DimensionResult

# 生理脱毒: BJDIAG (北京市戒毒管理局诊断评估实施细则, 2021), 5 items × 20, each pass/fail; all
# required (domain.md §4.5).
DETOX_SHEET = {
    "dimension": Dimension.DETOX.value,
    "name_zh": "生理脱毒评估表",
    "name_en": "Physiological detox sheet",
    "source": "北京市戒毒管理局强制隔离戒毒诊断评估实施细则（试行）2021（地方示例）",
    "fallback": False,
    "items": [
        {
            "code": "drug_test_negative",
            "label_zh": "毒品检测结果阴性",
            "label_en": "Drug test negative",
            "max_points": 20,
            "step": 20,
            "required": True,
            "prefill": "drug_test_negative",
        },
        {
            "code": "withdrawal_medication_stopped",
            "label_zh": "控制、缓解戒断症状的药物已停止使用",
            "label_en": "Withdrawal medication stopped",
            "max_points": 20,
            "step": 20,
            "required": True,
            "prefill": "withdrawal_medication_stopped",
        },
        {
            "code": "acute_withdrawal_gone",
            "label_zh": "急性戒断症状完全消除",
            "label_en": "Acute withdrawal symptoms gone",
            "max_points": 20,
            "step": 20,
            "required": True,
            "prefill": "acute_withdrawal_gone",
        },
        {
            "code": "no_protracted_withdrawal",
            "label_zh": "无明显稽延性戒断症状",
            "label_en": "No marked protracted withdrawal",
            "max_points": 20,
            "step": 20,
            "required": True,
            "prefill": "no_protracted_withdrawal",
        },
        {
            "code": "no_psychiatric_symptoms",
            "label_zh": "无明显药物所致精神症状，或原有精神障碍得到有效控制",
            "label_en": "No marked drug-induced psychiatric symptoms, or controlled",
            "max_points": 20,
            "step": 20,
            "required": True,
            "prefill": "no_psychiatric_symptoms",
        },
    ],
    "pass": {"min_total": 100},
}

# 身心康复: the item sheet "身心康复评估标准" (domain.md §4.5): 5 × 20; 合格 only with 100.
RECOVERY_SHEET = {
    "dimension": Dimension.RECOVERY.value,
    "name_zh": "身心康复评估表",
    "name_en": "Physical and mental recovery sheet",
    "source": "身心康复评估标准（省级实施示例，domain.md §4.5）",
    "fallback": False,
    "items": [
        {
            "code": "vital_signs",
            "label_zh": "体重、呼吸、心率、血压、肝功能在正常范围（各4分）",
            "label_en": "Weight, respiration, heart rate, blood pressure, liver function normal "
            "(4 points each)",
            "max_points": 20,
            "step": 4,
            "prefill": "vital_signs",
        },
        {
            "code": "fitness",
            "label_zh": "广播体操动作流畅协调，或1分钟内拉力器10次以上",
            "label_en": "Radio calisthenics fluent, or ≥10 chest-expander pulls in 1 minute",
            "max_points": 20,
            "step": 20,
            "prefill": "fitness",
        },
        {
            "code": "psych_test",
            "label_zh": "心理测试（16PF）达到7分以上",
            "label_en": "Psychological test (16PF) score ≥ 7",
            "max_points": 20,
            "step": 20,
            "prefill": "instrument_score",
            "params": {"instrument": "16pf", "at_least": 7},
        },
        {
            "code": "relapse_risk_low",
            "label_zh": "复吸倾向性评估为低风险",
            "label_en": "Relapse-risk scale: low risk",
            "max_points": 20,
            "step": 20,
            "prefill": "instrument_band",
            "params": {"instrument": "relapse_risk", "band": "low"},
        },
        {
            "code": "exam_pass",
            "label_zh": "理论考试（禁毒知识、法律、道德、心理健康）60分以上",
            "label_en": "Theory exam (drugs, law, ethics, mental health) ≥ 60",
            "max_points": 20,
            "step": 20,
            "prefill": "exam_pass",
            "params": {"subject": "theory", "at_least": 60},
        },
    ],
    "pass": {"min_total": 100},
}

# 行为表现: no national sheet (domain.md §4.5) — a configurable default built on the points
# ledger of a real facility system; a province replaces it with its own (e.g. DB33/T 2177-2019).
BEHAVIOUR_SHEET = {
    "dimension": Dimension.BEHAVIOUR.value,
    "name_zh": "行为表现评估表（默认）",
    "name_en": "Behaviour sheet (default)",
    "source": "无全国统一标准，系统默认，可由省级配置（domain.md §4.5）",
    "fallback": True,
    "items": [
        {
            "code": "no_serious_violation",
            "label_zh": "评估期内无严重违纪",
            "label_en": "No serious violation in the period",
            "max_points": 40,
            "step": 40,
            "required": True,
            "prefill": "no_serious_violation",
        },
        {
            "code": "no_drugs_in_facility",
            "label_zh": "无所内藏匿、吸食毒品",
            "label_en": "No drugs hidden or used in the facility",
            "max_points": 20,
            "step": 20,
            "required": True,
            "prefill": "no_drugs_in_facility",
        },
        {
            "code": "monthly_points",
            "label_zh": "月度行为考核平均得分不低于0分",
            "label_en": "Average approved monthly points ≥ 0",
            "max_points": 25,
            "step": 25,
            "prefill": "monthly_points",
            "params": {"at_least": 0},
        },
        {
            "code": "no_segregation",
            "label_zh": "评估期内未被单独管理",
            "label_en": "Not segregated in the period",
            "max_points": 15,
            "step": 15,
            "prefill": "no_segregation",
        },
    ],
    "pass": {"min_total": 60},
}

# 社会环境与适应能力: no national sheet — a configurable default (良好 from 60 of 100).
SOCIAL_SHEET = {
    "dimension": Dimension.SOCIAL.value,
    "name_zh": "社会环境与适应能力评估表（默认）",
    "name_en": "Social environment and adaptability sheet (default)",
    "source": "无全国统一标准，系统默认，可由省级配置（domain.md §4.5）",
    "fallback": True,
    "items": [
        {
            "code": "family_support",
            "label_zh": "有家庭成员或监护人可联系、支持",
            "label_en": "Family member or guardian reachable and supportive",
            "max_points": 25,
            "step": 5,
            "prefill": "family_support",
        },
        {
            "code": "residence",
            "label_zh": "出所后有稳定住所",
            "label_en": "Stable residence after release",
            "max_points": 25,
            "step": 5,
        },
        {
            "code": "employment_skills",
            "label_zh": "有就业意向或取得职业技能",
            "label_en": "Job prospect or vocational skill",
            "max_points": 25,
            "step": 5,
            "prefill": "vocational_skill",
        },
        {
            "code": "community_handover",
            "label_zh": "社区衔接（乡镇、社区已对接）",
            "label_en": "Community handover arranged",
            "max_points": 25,
            "step": 5,
        },
    ],
    "pass": {"good_min_total": 60},
}

SHIPPED = {
    Dimension.DETOX: DETOX_SHEET,
    Dimension.RECOVERY: RECOVERY_SHEET,
    Dimension.BEHAVIOUR: BEHAVIOUR_SHEET,
    Dimension.SOCIAL: SOCIAL_SHEET,
}


class SheetError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def validate_sheet(sheet: dict) -> list[str]:
    """Problems with a sheet definition (empty when valid), in Chinese and English."""
    errors = []
    if sheet.get("dimension") not in Dimension.values:
        errors.append("评估内容无效 / unknown dimension")
    items = sheet.get("items") or []
    if not items:
        errors.append("评分表没有项目 / the sheet has no items")
    codes = set()
    for n, item in enumerate(items, 1):
        code = item.get("code")
        if not code or code in codes:
            errors.append(f"第{n}项代码缺失或重复 / item {n}: missing or duplicate code")
        codes.add(code)
        if not item.get("label_zh"):
            errors.append(f"第{n}项缺少名称 / item {n}: no label")
        top = item.get("max_points")
        step = item.get("step", top)
        if not isinstance(top, int | float) or top <= 0:
            errors.append(f"第{n}项满分无效 / item {n}: max_points must be > 0")
        elif not isinstance(step, int | float) or step <= 0 or top % step:
            errors.append(f"第{n}项分值步长无效 / item {n}: step must divide max_points")
        prefill = item.get("prefill")
        if prefill:
            from .prefill import SOURCES

            if prefill not in SOURCES:
                errors.append(f"第{n}项预填来源未知 / item {n}: unknown prefill {prefill}")
    rule = sheet.get("pass") or {}
    if sheet.get("dimension") == Dimension.SOCIAL:
        if "good_min_total" not in rule:
            errors.append("缺少“良好”分数线 / pass.good_min_total missing")
    elif "min_total" not in rule:
        errors.append("缺少合格分数线 / pass.min_total missing")
    total = sum(i.get("max_points", 0) or 0 for i in items)
    threshold = rule.get("min_total", rule.get("good_min_total", 0))
    if isinstance(threshold, int | float) and threshold > total:
        errors.append("合格分数线高于满分 / the pass mark exceeds the sheet's total")
    return errors


def sheet_for(dimension: str, unit, on: date | None = None) -> dict:
    """The sheet in force for `dimension` at `unit` on day `on`: the most specific unit's latest
    version, else the shipped default."""
    from .models import ScoringSheet

    on = on or clock.today()
    if unit is not None:
        row = (
            ScoringSheet.objects.filter(
                dimension=dimension,
                org_unit__path__in=ancestor_paths(unit.path, type(unit).steplen),
                effective_from__lte=on,
            )
            .order_by("-org_unit__depth", "-effective_from", "-id")
            .first()
        )
        if row is not None:
            return {**row.definition, "version_of": row.effective_from.isoformat()}
    return SHIPPED[Dimension(dimension)]


def check_points(item: dict, points: Decimal) -> str | None:
    """Why `points` is not a valid score for `item` (None when it is)."""
    top = Decimal(str(item["max_points"]))
    step = Decimal(str(item.get("step", item["max_points"])))
    if points < 0 or points > top:
        return str(_("分值应在0到%(top)s之间。") % {"top": top})
    if points % step:
        return str(_("分值应为%(step)s的整数倍。") % {"step": step})
    return None


def dimension_result(sheet: dict, points: dict[str, Decimal]) -> tuple[Decimal, str]:
    """(total, result) of a dimension from its item points (诊断评估办法 Art. 6)."""
    total = sum(points.values(), Decimal(0))
    rule = sheet["pass"]
    if sheet["dimension"] == Dimension.SOCIAL:
        good = total >= Decimal(str(rule["good_min_total"]))
        return total, DimensionResult.GOOD if good else DimensionResult.FAIR
    required_full = all(
        points.get(i["code"], 0) >= Decimal(str(i["max_points"]))
        for i in sheet["items"]
        if i.get("required")
    )
    passed = required_full and total >= Decimal(str(rule["min_total"]))
    return total, DimensionResult.PASS if passed else DimensionResult.FAIL
