"""Configurable rules of behaviour points (行为考核) and graded management (分级管理).

No national figure fixes the points of one entry or the totals that make a month 宽管 or 严管: the
grading itself is national (司法部令第127号 Art. 16; 戒毒条例 Art. 30), its numbers are local.
Jiedu ships defaults and flags them as such; a province or city sets its own values on the rules
page (domain.md §0.1, §4.5). Values are whole points.

The bounds keep the two thresholds on either side of zero, so no total can be both 宽管 and 严管,
and keep one entry within the model's limit (100 points).
"""

from django.utils.translation import gettext_lazy as _

from jiedu.core.rules import RuleSpec, register

FALLBACK_SOURCE = "no national figure; configurable default (domain.md §4.5)"

LENIENT_FROM = "centres.points.lenient_from"
STRICT_BELOW = "centres.points.strict_below"
ENTRY_MAX = "centres.points.entry_max"
MAJOR_ENTRY_MAX = "centres.points.major_entry_max"

register(
    RuleSpec(
        LENIENT_FROM,
        _("行为考核：月度得分达到该分值的为宽管"),
        "points",
        20,
        FALLBACK_SOURCE,
        0,
        500,
        "全国无统一规定（司法部令第127号第十六条：分级管理）",
        fallback=True,
    ),
    RuleSpec(
        STRICT_BELOW,
        _("行为考核：月度得分低于该分值的为严管"),
        "points",
        -10,
        FALLBACK_SOURCE,
        -500,
        0,
        "全国无统一规定（司法部令第127号第十六条：分级管理）",
        fallback=True,
    ),
    RuleSpec(
        ENTRY_MAX,
        _("行为考核：奖分、扣分单次上限"),
        "points",
        10,
        FALLBACK_SOURCE,
        1,
        100,
        "全国无统一规定",
        fallback=True,
    ),
    RuleSpec(
        MAJOR_ENTRY_MAX,
        _("行为考核：突出表现、严重违纪单次上限"),
        "points",
        20,
        FALLBACK_SOURCE,
        1,
        100,
        "全国无统一规定",
        fallback=True,
    ),
)
