"""Credit points (戒毒人员信用管理, domain.md §6.7; PLAN16 §12 积分预警): the point rules, the
window and clamp, the tiers and their thresholds, the explanation, once per source, credit
switched off, and the misses a sweep scores. No national figure exists for any of these: every
row below is a Jiedu default (flagged as such on the rules page) a province may change."""

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse

from jiedu.checkins import services as checkins
from jiedu.community import credit_rules as cr
from jiedu.community.choices import CreditTier, DueKind, DueStatus
from jiedu.community.models import CreditEntry, DueItem
from jiedu.community.services import credit
from jiedu.community.services.common import zh
from jiedu.core import clock
from jiedu.core.models import ChangeLogEntry
from jiedu.core.rules import set_rule_value

from .conftest import D, at, case_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
NO_NATIONAL = "no national figure (domain.md §6.7): Jiedu default"

# (event code, default points, what the row rests on)
POINT_ROWS = [
    ("checkin_on_time", 1, NO_NATIONAL),
    ("checkin_missed", -1, NO_NATIONAL),
    ("test_negative", 2, NO_NATIONAL),
    ("test_positive", -20, NO_NATIONAL),
    ("test_refused", -10, NO_NATIONAL),
    ("test_evaded", -10, NO_NATIONAL),
    ("talk_attended", 1, NO_NATIONAL),
    ("talk_missed", -3, NO_NATIONAL),
    ("item_missed", -3, NO_NATIONAL),
    ("absence_unapproved", -10, NO_NATIONAL),
    ("leave_kept", 1, NO_NATIONAL),
]


def local_rule(cast, key, value, effective_from, unit=None):
    return set_rule_value(
        key,
        unit or cast.province,
        value=value,
        effective_from=D(effective_from),
        source="演示省戒毒人员信用管理办法（测试）",
        actor=cast.admin,
    )


def award_many(case, code, n, on="2024-03-02", prefix="x"):
    return [credit.award(case, code, on=D(on), source=f"{prefix}:{code}:{i}") for i in range(n)]


# --- Point rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "points", "basis"), POINT_ROWS, ids=[r[0] for r in POINT_ROWS])
def test_each_event_scores_its_configured_points_with_a_chinese_explanation(
    community_case, code, points, basis
):
    case = community_case()
    entry = credit.award(case, code, on=D("2024-03-02"), source=f"test:{code}")
    assert entry.points == points
    assert entry.explanation == f"2024-03-02 {zh(cr.EVENTS[code].label)} {points:+d}"
    assert cr.EVENTS[code].default == points


def test_every_event_has_a_point_rule_flagged_as_a_jiedu_default():
    from jiedu.core import rules

    assert {row[0] for row in POINT_ROWS} == set(cr.EVENTS)
    for code in cr.EVENTS:
        spec = rules.spec(cr.points_key(code))
        assert spec.fallback and spec.unit == "points"
        assert (spec.minimum, spec.maximum) == (-50, 50)


def test_a_negative_test_explains_itself_in_the_sentence_the_worker_reads(community_case):
    case = community_case()
    entry = credit.award(case, "test_negative", on=D("2024-03-02"), source="t")
    assert entry.explanation == "2024-03-02 吸毒检测结果阴性 +2"


def test_a_province_value_changes_the_points_from_its_effective_day(cast, community_case):
    case = community_case()
    local_rule(cast, cr.points_key("test_negative"), 5, "2024-04-01")
    before = credit.award(case, "test_negative", on=D("2024-03-31"), source="a")
    after = credit.award(case, "test_negative", on=D("2024-04-01"), source="b")
    assert (before.points, after.points) == (2, 5)
    assert after.explanation.endswith("+5")


def test_a_township_value_beats_the_province_value(cast, community_case):
    case = community_case()
    local_rule(cast, cr.points_key("test_positive"), -30, "2024-03-01")
    local_rule(cast, cr.points_key("test_positive"), -15, "2024-03-01", unit=cast.township_a)
    assert credit.award(case, "test_positive", on=D("2024-03-02"), source="p").points == -15


def test_an_event_worth_zero_points_writes_nothing(cast, community_case):
    case = community_case()
    local_rule(cast, cr.points_key("leave_kept"), 0, "2024-03-01")
    assert credit.award(case, "leave_kept", on=D("2024-03-02"), source="l") is None
    assert not CreditEntry.objects.filter(case=case).exists()


def test_an_unknown_event_code_is_a_programming_error(community_case):
    case = community_case()
    with pytest.raises(ValueError):
        credit.award(case, "no_such_event", on=D("2024-03-02"), source="x")


# --- Once per source -----------------------------------------------------------------------------


def test_award_is_idempotent_per_source(community_case):
    case = community_case()
    first = credit.award(case, "test_negative", on=D("2024-03-02"), source="communitydrugtest:1")
    again = credit.award(case, "test_negative", on=D("2024-03-02"), source="communitydrugtest:1")
    other = credit.award(case, "test_negative", on=D("2024-03-02"), source="communitydrugtest:2")
    assert again.pk == first.pk
    assert other.pk != first.pk
    assert CreditEntry.objects.filter(case=case).count() == 2


def test_a_race_on_the_same_source_keeps_one_entry(community_case, monkeypatch):
    case = community_case()
    first = credit.award(case, "test_negative", on=D("2024-03-02"), source="s")
    # The second request looked before the first one wrote: the constraint answers.
    real_filter = CreditEntry.objects.filter

    class Blind:
        def first(self):
            return None

    calls = iter([Blind()])
    monkeypatch.setattr(
        CreditEntry.objects,
        "filter",
        lambda *a, **kw: next(calls, None) or real_filter(*a, **kw),
    )
    again = credit.award(case, "test_negative", on=D("2024-03-02"), source="s")
    assert again.pk == first.pk
    assert real_filter(case=case).count() == 1


# --- Window, clamp, tiers, explanation -----------------------------------------------------------


def test_the_score_counts_the_last_90_days_the_day_itself_included(community_case):
    case = community_case()
    credit.award(case, "test_positive", on=D("2024-03-01"), source="old")
    credit.award(case, "test_negative", on=D("2024-03-02"), source="edge")
    # 90 days ending 2024-05-30 start on 2024-03-02.
    assert credit.window_start(D("2024-05-30"), 90) == D("2024-03-02")
    assert credit.score(case, D("2024-05-29")).score == 80 - 20 + 2
    assert credit.score(case, D("2024-05-30")).score == 80 + 2
    assert credit.score(case, D("2024-05-31")).score == 80


def test_entries_after_the_day_do_not_count(community_case):
    case = community_case()
    credit.award(case, "test_negative", on=D("2024-03-05"), source="later")
    assert credit.score(case, D("2024-03-04")).score == 80


def test_a_configured_window_and_base_apply(cast, community_case):
    case = community_case()
    local_rule(cast, cr.CREDIT_BASE, 70, "2024-03-01")
    local_rule(cast, cr.CREDIT_WINDOW_DAYS, 30, "2024-03-01")
    credit.award(case, "test_negative", on=D("2024-03-02"), source="a")
    assert credit.score(case, D("2024-03-31")).score == 72
    assert credit.score(case, D("2024-04-01")).score == 70


def test_the_score_never_passes_100_and_the_explanation_says_so(community_case):
    case = community_case()
    award_many(case, "test_negative", 11)  # 80 + 22
    result = credit.score(case, D("2024-03-10"))
    assert result.score == 100
    assert result.tier == CreditTier.GOOD
    clamp = result.lines[-1]
    assert (clamp.kind, clamp.points) == ("clamp", -2)


def test_the_score_never_falls_below_0_and_the_explanation_says_so(community_case):
    case = community_case()
    award_many(case, "test_positive", 5)  # 80 - 100
    result = credit.score(case, D("2024-03-10"))
    assert result.score == 0
    assert result.tier == CreditTier.FAIL
    assert (result.lines[-1].kind, result.lines[-1].points) == ("clamp", 20)


# (events awarded, score, tier): default thresholds 优良 >= 90, 合格 >= 60 (domain.md §6.7 seeds).
TIER_ROWS = [
    ([("test_negative", 5)], 90, CreditTier.GOOD),
    ([("test_negative", 4), ("checkin_on_time", 1)], 89, CreditTier.PASS),
    ([("test_positive", 1)], 60, CreditTier.PASS),
    ([("test_positive", 1), ("checkin_missed", 1)], 59, CreditTier.FAIL),
]


@pytest.mark.parametrize(("events", "expected", "tier"), TIER_ROWS, ids=["90", "89", "60", "59"])
def test_tiers_at_their_thresholds(community_case, events, expected, tier):
    case = community_case()
    for code, n in events:
        award_many(case, code, n)
    result = credit.score(case, D("2024-03-10"))
    assert (result.score, result.tier) == (expected, tier)


@pytest.mark.parametrize(
    ("score", "tier"),
    [
        (100, CreditTier.GOOD),
        (90, CreditTier.GOOD),
        (89, CreditTier.PASS),
        (60, CreditTier.PASS),
        (59, CreditTier.FAIL),
        (0, CreditTier.FAIL),
    ],
)
def test_tier_for_uses_inclusive_lower_bounds(score, tier):
    assert credit.tier_for(score, 90, 60) == tier


def test_configured_thresholds_move_the_tiers(cast, community_case):
    case = community_case()
    local_rule(cast, cr.TIER_GOOD, 85, "2024-03-01", unit=cast.county_a)
    award_many(case, "test_negative", 3)  # 86
    assert credit.score(case, D("2024-03-10")).tier == CreditTier.GOOD


def test_thresholds_out_of_order_fall_back_to_the_defaults_and_say_so(cast, community_case):
    case = community_case()
    local_rule(cast, cr.TIER_PASS, 95, "2024-03-01")  # 合格 above 优良 (90): misconfigured
    result = credit.score(case, D("2024-03-10"))
    assert result.tier == CreditTier.PASS  # 80 with the defaults 90 / 60
    assert result.lines[-1].kind == "note"


def test_the_explanation_lists_the_base_and_every_entry_in_the_window(community_case):
    case = community_case()
    credit.award(case, "test_negative", on=D("2024-03-02"), source="a")
    credit.award(case, "talk_missed", on=D("2024-03-03"), source="b")
    credit.award(case, "checkin_on_time", on=D("2024-03-04"), source="c")
    result = credit.score(case, D("2024-03-10"))
    assert [line.kind for line in result.lines] == ["base", "entry", "entry", "entry"]
    assert result.lines[0].points == 80
    assert [line.text for line in result.lines[1:]] == [
        "2024-03-02 吸毒检测结果阴性 +2",
        "2024-03-03 未按要求参加谈话教育、走访 -3",
        "2024-03-04 按时签到 +1",
    ]
    assert sum(line.points for line in result.lines) == result.score == 80


# --- Stored on the case --------------------------------------------------------------------------


def test_refresh_stores_score_and_tier_and_saves_only_when_they_change(community_case):
    case = community_case()
    credit.award(case, "test_positive", on=D("2024-03-02"), source="p")
    credit.award(case, "checkin_missed", on=D("2024-03-02"), source="m")

    def logged():
        return ChangeLogEntry.objects.filter(
            object_type="community.communitycase", object_id=str(case.pk)
        ).count()

    with at("2024-03-05"):
        credit.refresh_case(case)
        n = logged()
        credit.refresh_case(case)
    assert logged() == n
    case.refresh_from_db()
    assert (case.credit_score, case.credit_tier) == (59, CreditTier.FAIL)


def test_refresh_is_a_handful_of_queries(community_case, django_assert_max_num_queries):
    case = community_case()
    with at("2024-03-05"):
        credit.refresh_case(case)
        with django_assert_max_num_queries(6):
            credit.refresh_case(case)


# --- Credit switched off -------------------------------------------------------------------------


def test_with_credit_off_nothing_new_is_scored_and_no_tier_is_kept(cast, community_case, client):
    case = community_case()
    credit.award(case, "test_negative", on=D("2024-03-02"), source="before")
    local_rule(cast, cr.CREDIT_ENABLED, 0, "2024-03-03", unit=cast.township_a)
    assert credit.award(case, "test_negative", on=D("2024-03-04"), source="after") is None
    assert credit.score(case, D("2024-03-04")) == (None, "", [])
    with at("2024-03-04"):
        credit.refresh_case(case)
        case.refresh_from_db()
        assert (case.credit_score, case.credit_tier) == (None, "")
        client.force_login(cast.worker_a)
        html = client.get(reverse("community:credit_list", args=[case.pk])).content.decode()
    assert 'id="credit-disabled"' in html
    assert "2024-03-02 吸毒检测结果阴性 +2" in html  # the history stays
    assert "data-tier" not in html.split('id="credit-history"')[0].split('id="credit-score"')[1]


def test_credit_is_on_by_default_and_flagged_as_a_default():
    from jiedu.core import rules

    resolved = rules.resolve(cr.CREDIT_ENABLED)
    assert resolved.value == 1 and resolved.is_default


# --- Misses --------------------------------------------------------------------------------------


def test_sweep_scores_each_overdue_item_the_person_owed_once(community_case):
    # The due items come from the schedule service (reporting in schedules the term).
    case = community_case()
    with at("2024-05-10"):
        today = clock.today()
        owed = DueItem.objects.filter(
            case=case,
            status=DueStatus.OPEN,
            due_on__lt=today,
            kind__in=(DueKind.SCHEDULED_TEST, DueKind.SELF_REPORT),
        )
        assert owed.exists()
        written = credit.sweep_missed(case)
        assert {e.source for e in written} == {f"dueitem:{i.pk}" for i in owed}
        assert all(e.code == "item_missed" and e.points == -3 for e in written)
        assert credit.sweep_missed(case) == []
    assert CreditEntry.objects.filter(case=case, code="item_missed").count() == owed.count()


def test_items_the_worker_owes_or_that_were_done_cost_the_person_nothing(community_case):
    case = community_case()
    with at("2024-05-10"):
        others = DueItem.objects.filter(
            case=case, due_on__lt=clock.today(), kind__in=(DueKind.HOME_VISIT, DueKind.TALK)
        )
        assert others.exists()
        credit.sweep_missed(case)
        scored = set(CreditEntry.objects.filter(case=case).values_list("source", flat=True))
    assert not scored & {f"dueitem:{i.pk}" for i in others}


def test_items_are_not_swept_before_their_due_day_has_passed(community_case):
    case = community_case()
    first_due = DueItem.objects.filter(case=case).order_by("due_on").first().due_on
    with at(first_due):
        assert credit.sweep_missed(case) == []


def test_a_case_that_is_not_active_is_not_swept(community_measure):
    measure = community_measure()  # awaiting report
    case = measure.community_case
    with at("2024-05-10"):
        assert credit.sweep_missed(case) == []


def _open_account(cast, case, on, phone="13800138001"):
    with at(on):
        return checkins.open_account(
            case.person, phone=phone, password="Portal-pass-2026!", actor=cast.worker_a
        )


def _check_in(account, on):
    with time_machine.travel(datetime.combine(D(on), time(10), SHANGHAI), tick=False):
        checkins.record_checkin(
            account, client_id=uuid.uuid4(), taken_at=clock.now(), photo_bytes=b""
        )


def test_sweep_scores_each_day_without_a_check_in_once_a_portal_account_exists(
    cast, community_case
):
    case = community_case()  # reported in 2024-03-01
    account = _open_account(cast, case, "2024-03-10")
    _check_in(account, "2024-03-12")
    with at("2024-03-18"):
        credit.sweep_missed(case)
        again = credit.sweep_missed(case)
    missed = CreditEntry.objects.filter(case=case, code="checkin_missed")
    # Counted from the day after the account was opened; a day is missed only once a check-in
    # queued offline could no longer arrive for it (3 days: 03-14 is final on 03-18).
    assert sorted(missed.values_list("on", flat=True)) == [
        D("2024-03-11"),
        D("2024-03-13"),
        D("2024-03-14"),
    ]
    assert again == []
    assert set(missed.values_list("source", flat=True)) == {
        "nocheckin:2024-03-11",
        "nocheckin:2024-03-13",
        "nocheckin:2024-03-14",
    }


def test_days_the_measure_was_suspended_are_not_owed(cast, community_case):
    from jiedu.measures import services as measures

    case = community_case()  # reported in 2024-03-01
    _open_account(cast, case, "2024-03-01")
    with at("2024-03-05"):
        measures.suspend(case.measure, on=D("2024-03-05"), actor=cast.worker_a, reason="被拘留")
    with at("2024-03-08"):
        assert credit.sweep_missed(case_of(case.measure)) == []  # detained: nothing owed
    with at("2024-03-10"):
        measures.resume(case.measure, on=D("2024-03-10"), actor=cast.worker_a)
    with at("2024-03-15"):
        credit.sweep_missed(case_of(case.measure))
    days = CreditEntry.objects.filter(case=case, code="checkin_missed").values_list("on", flat=True)
    # 戒毒条例 Art. 24: the days of the suspension (03-05 to 03-10) are not counted.
    assert sorted(days) == [D("2024-03-02"), D("2024-03-03"), D("2024-03-04"), D("2024-03-11")]


def test_without_a_portal_account_no_check_in_is_missed(community_case):
    case = community_case()
    with at("2024-03-15"):
        credit.sweep_missed(case)
    assert not CreditEntry.objects.filter(case=case, code="checkin_missed").exists()


def test_a_sweep_looks_back_30_days_at_most(cast, community_case):
    case = community_case()
    _open_account(cast, case, "2024-03-01")
    with at("2024-05-01"):
        credit.sweep_missed(case)
    days = sorted(
        CreditEntry.objects.filter(case=case, code="checkin_missed").values_list("on", flat=True)
    )
    # 30 days back, less the last 3 that a check-in queued offline may still fill.
    assert len(days) == 27
    assert days[0] == D("2024-05-01") - timedelta(days=30)
    assert days[-1] == D("2024-04-27")


def test_a_check_in_sent_late_from_the_offline_queue_is_not_scored_missed(cast, community_case):
    case = community_case()
    account = _open_account(cast, case, "2024-03-10")
    with at("2024-03-14"):
        credit.sweep_missed(case)  # the worker opens the case on 03-14
    # Taken on 03-12 at 21:00, sent on 03-14 when the network came back.
    with time_machine.travel(datetime.combine(D("2024-03-14"), time(8), SHANGHAI), tick=False):
        checkins.record_checkin(
            account,
            client_id=uuid.uuid4(),
            taken_at=datetime.combine(D("2024-03-12"), time(21), SHANGHAI),
            photo_bytes=b"",
        )
    with at("2024-03-18"):
        credit.sweep_missed(case)
    missed = CreditEntry.objects.filter(case=case, code="checkin_missed")
    assert D("2024-03-12") not in set(missed.values_list("on", flat=True))


def test_refresh_sweeps_so_opening_the_case_recognises_misses(cast, community_case, client):
    case = community_case()
    client.force_login(cast.worker_a)
    with at("2024-04-02"):
        response = client.get(reverse("community:credit_list", args=[case.pk]))
    assert response.status_code == 200
    assert CreditEntry.objects.filter(case=case, code="item_missed").exists()
    case.refresh_from_db()
    assert case.credit_score == 80 - 3 * 2  # March's scheduled test and self-report


# --- Pages ---------------------------------------------------------------------------------------


def test_the_points_page_pages_the_whole_history(cast, community_case, client):
    case = community_case()
    for i in range(55):
        credit.award(case, "checkin_on_time", on=D("2024-03-02"), source=f"c:{i}")
    client.force_login(cast.worker_a)
    with at("2024-03-05"):
        first = client.get(reverse("community:credit_list", args=[case.pk]))
        second = client.get(reverse("community:credit_list", args=[case.pk]) + "?page=2")
    assert first.context["page"].paginator.count == 55
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 5


def test_the_points_page_is_404_for_an_outsider(cast, community_case, client):
    case = community_case()
    client.force_login(cast.outsider)
    with at("2024-03-05"):
        response = client.get(reverse("community:credit_list", args=[case.pk]))
    assert response.status_code == 404


def section_html(user, case) -> str:
    from jiedu.community.access import get_case_for_user
    from jiedu.community.views.credit import case_section

    request = RequestFactory().get(f"/community/cases/{case.pk}/")
    request.user = user
    return case_section(request, get_case_for_user(user, case.pk))


def test_the_case_section_shows_the_score_its_explanation_and_the_risk_class(cast, community_case):
    case = community_case()
    credit.award(case, "test_negative", on=D("2024-03-02"), source="a")
    with at("2024-03-05"):
        html = section_html(cast.worker_a, case)
    assert 'id="credit-risk"' in html
    assert 'data-score="82"' in html
    assert "2024-03-02 吸毒检测结果阴性 +2" in html
    assert 'data-risk="low"' in html
    assert 'id="risk-facts-form"' in html


def test_a_reader_without_manage_permission_gets_no_risk_form(cast, community_case):
    case = community_case()
    with at("2024-03-05"):
        html = section_html(cast.police, case)  # deciding organ: view_case only
    assert 'id="credit-risk"' in html
    assert 'id="risk-facts-form"' not in html
