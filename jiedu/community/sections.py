"""The case page is made of sections, one per module, so each concern renders its own part.

Each entry names a function `(request, case) -> html` (empty string: nothing to show). The view
that renders the case page (views/cases.py) calls them in this order.
"""

from django.utils.module_loading import import_string

SECTION_PATHS = [
    "jiedu.community.views.credit.case_section",
    "jiedu.community.views.schedule.case_section",
    "jiedu.community.views.drug_tests.case_section",
    "jiedu.community.views.absences.case_section",
    "jiedu.community.views.referrals.case_section",
    "jiedu.checkins.views.case_section",
]


def render_sections(request, case) -> list[str]:
    return [html for path in SECTION_PATHS if (html := import_string(path)(request, case))]
