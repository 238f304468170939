"""When evaluations fall due: configurable rules (domain.md §3.4, §4.3). No national figures
exist for these, so each ships a default flagged as such; a province sets its own."""

from django.utils.translation import gettext_lazy as _

from jiedu.core.rules import RuleSpec, register

HANDBOOK_DAYS = "evaluations.handbook_days"
ADMISSION_DAYS = "evaluations.admission_days"
DETOX_ZONE_DAYS = "evaluations.detox_zone_days"
EDUCATION_ZONE_DAYS = "evaluations.education_zone_days"
RETURN_GUIDANCE_DAYS = "evaluations.return_guidance_days"
PRE_EXPIRY_DAYS = "evaluations.pre_expiry_days"

_NO_NATIONAL = "无全国统一规定，系统默认值（domain.md §3.4、§4.3）"

register(
    RuleSpec(
        HANDBOOK_DAYS,
        _("入所后建立诊断评估手册期限"),
        "days",
        7,
        "粤戒毒〔2015〕37号（广东，地方示例）",
        1,
        30,
        _NO_NATIONAL,
        fallback=True,
    ),
    RuleSpec(
        ADMISSION_DAYS,
        _("入所调查评估期限（入所后）"),
        "days",
        15,
        _NO_NATIONAL,
        1,
        60,
        _NO_NATIONAL,
        fallback=True,
    ),
    RuleSpec(
        DETOX_ZONE_DAYS,
        _("生理脱毒区期限（期满应作阶段性评价）"),
        "days",
        30,
        "统一模式默认：生理脱毒区2周至1个月",
        14,
        90,
        _NO_NATIONAL,
        fallback=True,
    ),
    RuleSpec(
        EDUCATION_ZONE_DAYS,
        _("教育适应区期限（期满应作阶段性评估）"),
        "days",
        60,
        "统一模式默认：教育适应区约2个月",
        30,
        180,
        _NO_NATIONAL,
        fallback=True,
    ),
    RuleSpec(
        RETURN_GUIDANCE_DAYS,
        _("回归指导区期限（届满前多少天转入）"),
        "days",
        90,
        "统一模式默认：回归指导区为解除前1至3个月",
        30,
        90,
        _NO_NATIONAL,
        fallback=True,
    ),
    RuleSpec(
        PRE_EXPIRY_DAYS,
        _("期满前综合诊断评估提前天数"),
        "days",
        30,
        _NO_NATIONAL,
        8,
        90,
        "戒毒条例第三十三条：决定机关7日内作出决定，评估须早于此",
        fallback=True,
    ),
)
