"""Configurable rules of the medical and rehabilitation-training centres (core.rules).

None of these figures is national law: the 身心康复 sheet (domain.md §4.5, item 1) asks for vital
signs and liver function "in the normal range" without saying what that range is, and the fitness
item (item 2) comes from a provincial sheet. Jiedu ships common clinical reference ranges as
defaults (`fallback=True`), and a province or facility may set its own.

Rule values are integers: the BMI bounds are stored ×10 (18.5 → 185).
"""

from django.utils.translation import gettext_lazy as _

from jiedu.core.rules import RuleSpec, register

_CLINICAL = (
    "全国无统一规定；常用临床参考范围（no national figure; common clinical reference ranges）"
)
_CLINICAL_BOUNDS = "无法定范围；限制在生理上可能的取值内"

RESPIRATION_MIN = "centres.vitals.respiration_min"
RESPIRATION_MAX = "centres.vitals.respiration_max"
HEART_RATE_MIN = "centres.vitals.heart_rate_min"
HEART_RATE_MAX = "centres.vitals.heart_rate_max"
SYSTOLIC_MIN = "centres.vitals.systolic_min"
SYSTOLIC_MAX = "centres.vitals.systolic_max"
DIASTOLIC_MIN = "centres.vitals.diastolic_min"
DIASTOLIC_MAX = "centres.vitals.diastolic_max"
# Laboratories often give men a higher ALT/AST ceiling than women: one rule per sex.
ALT_MAX = {"male": "centres.vitals.alt_max_male", "female": "centres.vitals.alt_max_female"}
AST_MAX = {"male": "centres.vitals.ast_max_male", "female": "centres.vitals.ast_max_female"}
BMI_MIN_X10 = "centres.vitals.bmi_min_x10"
BMI_MAX_X10 = "centres.vitals.bmi_max_x10"

# 身心康复 item 2 (domain.md §4.5): ≥10 chest-expander pulls within one minute.
CHEST_EXPANDER_PASS = "centres.fitness.chest_expander_pass"
# Work page of the medical centre: a detox-zone person is due a withdrawal check this often.
WITHDRAWAL_CHECK_DAYS = "centres.medical.withdrawal_check_days"


def _vital(key, label, unit, default, minimum, maximum):
    return RuleSpec(
        key, label, unit, default, _CLINICAL, minimum, maximum, _CLINICAL_BOUNDS, fallback=True
    )


register(
    _vital(RESPIRATION_MIN, _("正常范围：呼吸下限（次/分）"), "per_minute", 12, 4, 30),
    _vital(RESPIRATION_MAX, _("正常范围：呼吸上限（次/分）"), "per_minute", 20, 10, 40),
    _vital(HEART_RATE_MIN, _("正常范围：心率下限（次/分）"), "per_minute", 60, 30, 100),
    _vital(HEART_RATE_MAX, _("正常范围：心率上限（次/分）"), "per_minute", 100, 60, 180),
    _vital(SYSTOLIC_MIN, _("正常范围：收缩压下限（mmHg）"), "mmhg", 90, 60, 140),
    _vital(SYSTOLIC_MAX, _("正常范围：收缩压上限（mmHg）"), "mmhg", 139, 100, 200),
    _vital(DIASTOLIC_MIN, _("正常范围：舒张压下限（mmHg）"), "mmhg", 60, 30, 90),
    _vital(DIASTOLIC_MAX, _("正常范围：舒张压上限（mmHg）"), "mmhg", 89, 60, 130),
    _vital(ALT_MAX["male"], _("正常范围：谷丙转氨酶ALT上限（男，U/L）"), "u_per_l", 40, 20, 200),
    _vital(ALT_MAX["female"], _("正常范围：谷丙转氨酶ALT上限（女，U/L）"), "u_per_l", 40, 20, 200),
    _vital(AST_MAX["male"], _("正常范围：谷草转氨酶AST上限（男，U/L）"), "u_per_l", 40, 20, 200),
    _vital(AST_MAX["female"], _("正常范围：谷草转氨酶AST上限（女，U/L）"), "u_per_l", 40, 20, 200),
    _vital(BMI_MIN_X10, _("正常范围：体重指数BMI下限（×10）"), "bmi_x10", 185, 150, 250),
    _vital(BMI_MAX_X10, _("正常范围：体重指数BMI上限（×10）"), "bmi_x10", 279, 200, 400),
    RuleSpec(
        CHEST_EXPANDER_PASS,
        _("体能达标：拉力器一分钟次数"),
        "count",
        10,
        "身心康复评估标准第2项（省级实施示例，domain.md §4.5）",
        1,
        100,
        "全国无统一规定",
        fallback=True,
    ),
    RuleSpec(
        WITHDRAWAL_CHECK_DAYS,
        _("生理脱毒区戒断症状评估间隔"),
        "days",
        7,
        "全国无统一规定；默认值",
        1,
        60,
        "全国无统一规定",
        fallback=True,
    ),
)
