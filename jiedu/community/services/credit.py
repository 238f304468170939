"""Credit points, tiers and risk classes of community cases (戒毒人员信用管理, 积分预警,
分级分类管控: PLAN16 §12; domain.md §6.3, §6.7).

- `award` scores one event from its point rule (credit_rules), once per (case, code, source).
- `score` is the score on a day with its explanation: the base, every entry in the window, the
  clamp to 0..100, and the tier.
- `refresh_case` keeps the case's stored score, tier, risk class and reasons current. It runs
  after every fact recorded and every change of the measure, so it is a handful of queries: one
  for the case with every fact the risk criteria read, one for the rules, one for the points.
- `sweep_missed` scores what did not happen — an overdue due item, a day without a check-in. No
  job runs at night: a miss is recognised the next time the case is touched (a fact recorded, a
  measure change) or its page opened (the case page's credit section refreshes the case).
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date, timedelta
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import DateField, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm_any
from jiedu.measures.choices import MeasureStatus
from jiedu.measures.models import MeasurePause

from .. import credit_rules as cr
from .. import risk
from ..choices import (
    NON_COMPLIANT_RESULTS,
    AlertKind,
    CaseState,
    CreditTier,
    DueKind,
    DueStatus,
    ReferralReason,
    ReferralStatus,
    RiskClass,
    TestResult,
)
from ..models import Absence, CommunityCase, CommunityDrugTest, CreditEntry, DueItem, Referral
from .common import case_units, check_open, lock_case, raise_alert, record_fields, require, zh

MANAGE = "community.manage_case"
HEALTH = "people.view_health"

# How far back one sweep looks for days without a check-in: bounds the work of a case untouched
# for months (not a legal figure; older days are outside any sensible credit window anyway).
SWEEP_CHECKIN_DAYS = 30

# Due items whose miss is the person's own: a scheduled test they must come to (禁毒法 Art. 35;
# 戒毒条例 Art. 19: take tests as required) and a self-report. The others cost the person nothing
# when left open: a home visit or a talk is the worker's to hold (a talk the person did not
# attend is recorded as a contact and scored `talk_missed`), and a random test cannot be missed
# by someone who does not know its day (a refused or evaded one is scored as such).
PERSONAL_DUE_KINDS = (DueKind.SCHEDULED_TEST, DueKind.SELF_REPORT)

STORED_FIELDS = ("credit_score", "credit_tier", "risk_class", "risk_reasons")


class ScoreLine(NamedTuple):
    """One line of a score's explanation: `kind` is base, entry, clamp or note."""

    kind: str
    on: date | None
    text: str
    points: int | None

    @property
    def signed(self) -> str:
        return "" if self.points is None else f"{self.points:+d}"


class CreditScore(NamedTuple):
    """A score on a day: (score, tier, explanation). Score None and tier "" when credit
    management is not enabled at the case's unit."""

    score: int | None
    tier: str
    lines: list[ScoreLine]


# --- Rules -------------------------------------------------------------------------------------


def window_start(on: date, days: int) -> date:
    """The first day counted in a window of `days` days ending on `on` (both included)."""
    return on - timedelta(days=days - 1)


def thresholds(values: dict) -> tuple[int, int, bool]:
    """(good, pass, valid). The two thresholds are separate rules, so a unit may set them out of
    order (优良 at or below 合格); then both fall back to the shipped defaults."""
    good, pass_ = values[cr.TIER_GOOD], values[cr.TIER_PASS]
    if good > pass_:
        return good, pass_, True
    return rule_config.spec(cr.TIER_GOOD).default, rule_config.spec(cr.TIER_PASS).default, False


def tier_for(score: int, good: int, pass_: int) -> str:
    if score >= good:
        return CreditTier.GOOD
    if score >= pass_:
        return CreditTier.PASS
    return CreditTier.FAIL


def _clamp(raw: int) -> int:
    return min(max(raw, cr.SCORE_MIN), cr.SCORE_MAX)


def explanation(on: date, code: str, points: int, detail: str = "") -> str:
    """The stored sentence, in Chinese: "2026-03-02 吸毒检测结果阴性 +2"."""
    label = zh(cr.EVENTS[code].label)
    if detail:
        label = f"{label}（{detail}）"
    return f"{on.isoformat()} {label} {points:+d}"[:200]


# --- Award -------------------------------------------------------------------------------------


def award(case, code: str, *, on: date, source: str, actor=None, detail: str = ""):
    """Score one event (a code of `credit_rules.EVENTS`) for the case, once per (code, source):
    a retried write returns the first entry. Nothing is written (None) when credit management is
    off at the case's unit or the event's points are 0 there on that day."""
    event = cr.EVENTS.get(code)
    if event is None:
        raise ValueError(f"unknown credit event {code!r}")
    values = rule_config.values((cr.CREDIT_ENABLED, event.key), case.unit, on)
    points = values[event.key]
    if not values[cr.CREDIT_ENABLED] or points == 0:
        return None
    existing = CreditEntry.objects.filter(case=case, code=code, source=source).first()
    if existing is not None:
        return existing
    try:
        with acting_as(actor) if actor is not None else nullcontext(), transaction.atomic():
            return CreditEntry.objects.create(
                **record_fields(case, actor),
                on=on,
                code=code,
                points=points,
                explanation=explanation(on, code, points, detail),
                source=source,
            )
    except IntegrityError:
        # Two requests scored the same record at once; the constraint kept one.
        return CreditEntry.objects.get(case=case, code=code, source=source)


# --- Score -------------------------------------------------------------------------------------


def score(case, on: date | None = None, *, values: dict | None = None) -> CreditScore:
    """The score on `on` (default today) with every line behind it. `values`: the credit rules
    at the case's unit on that day, when the caller has them already."""
    on = on or clock.today()
    if values is None:
        values = rule_config.values(cr.CREDIT_KEYS, case.unit, on)
    if not values[cr.CREDIT_ENABLED]:
        return CreditScore(None, "", [])
    days = values[cr.CREDIT_WINDOW_DAYS]
    start = window_start(on, days)
    entries = CreditEntry.objects.filter(case=case, on__gte=start, on__lte=on).order_by("on", "id")
    base = values[cr.CREDIT_BASE]
    lines = [
        ScoreLine(
            "base",
            None,
            _("基础分（计算期%(start)s至%(end)s，共%(days)s天）")
            % {"start": start.isoformat(), "end": on.isoformat(), "days": days},
            base,
        )
    ]
    raw = base
    for entry in entries:
        lines.append(ScoreLine("entry", entry.on, entry.explanation, entry.points))
        raw += entry.points
    final = _clamp(raw)
    if final != raw:
        text = _("总分不低于0分") if raw < final else _("总分不超过100分")
        lines.append(ScoreLine("clamp", None, text, final - raw))
    good, pass_, valid = thresholds(values)
    if not valid:
        lines.append(
            ScoreLine(
                "note",
                None,
                _(
                    "本地配置的“优良”分数线不高于“合格”分数线，按默认分数线（%(good)s、%(pass)s）评定"
                )
                % {"good": good, "pass": pass_},
                None,
            )
        )
    return CreditScore(final, tier_for(final, good, pass_), lines)


# --- Missed items and check-ins ----------------------------------------------------------------


def _portal_since(person_id) -> date | None:
    from jiedu.checkins.models import PortalAccount

    opened = (
        PortalAccount.objects.filter(person_id=person_id, is_active=True)
        .values_list("created_at", flat=True)
        .first()
    )
    return timezone.localdate(opened) if opened is not None else None


def sweep_missed(case, today: date | None = None) -> list[CreditEntry]:
    """Score the misses of an active case up to yesterday: each overdue due item the person owed
    (`item_missed`, once per item) and, while the person holds a portal account, each day without
    a check-in (`checkin_missed`, once per day) since report-in or the last 30 days, whichever is
    later, and only days the account existed from their start. Returns the entries written now."""
    today = today or clock.today()
    return _sweep(case, today, _portal_since(case.person_id))


def _sweep(case, today: date, portal_since: date | None) -> list[CreditEntry]:
    if case.state != CaseState.ACTIVE or case.measure.status != MeasureStatus.IN_PROGRESS:
        # Not reported in, paused while the police decide, closed — or the measure is suspended
        # (detained, 戒毒条例 Art. 24) or the person escaped: nothing is owed meanwhile.
        return []
    written = []
    overdue = list(
        DueItem.objects.filter(
            case=case, status=DueStatus.OPEN, due_on__lt=today, kind__in=PERSONAL_DUE_KINDS
        ).order_by("due_on", "id")
    )
    if overdue:
        done = set(
            CreditEntry.objects.filter(case=case, code="item_missed").values_list(
                "source", flat=True
            )
        )
        for item in overdue:
            source = f"dueitem:{item.pk}"
            if source not in done:
                entry = award(
                    case,
                    "item_missed",
                    on=item.due_on,
                    source=source,
                    detail=zh(item.get_kind_display()),
                )
                written.append(entry)
    reported_on = case.measure.reported_on
    if portal_since is not None and reported_on is not None:
        written += _sweep_checkins(case, today, portal_since, reported_on)
    return [e for e in written if e is not None]


def _sweep_checkins(case, today, portal_since, reported_on) -> list:
    from jiedu.checkins.choices import ReviewOutcome
    from jiedu.checkins.models import CheckIn
    from jiedu.checkins.services import MAX_DELAY

    # A day counts once the account existed all of it: from the day after it was opened (a
    # worker opening it late in the evening does not cost the person that day).
    first = portal_since + timedelta(days=1)
    start = max(reported_on, first, today - timedelta(days=SWEEP_CHECKIN_DAYS))
    # A check-in queued offline may still arrive for a day until MAX_DELAY after it: a day is
    # missed only once that window has passed (the portal promises it counts for its day).
    today = today - MAX_DELAY
    if start >= today:
        return []
    # A check-in the worker found was not the person is no check-in.
    checked = set(
        CheckIn.objects.filter(case=case, on__gte=start, on__lt=today)
        .exclude(review_outcome=ReviewOutcome.REJECTED)
        .values_list("on", flat=True)
    )
    days = [
        start + timedelta(days=i)
        for i in range((today - start).days)
        if start + timedelta(days=i) not in checked
    ]
    if not days:
        return []
    scored = set(
        CreditEntry.objects.filter(
            case=case, code="checkin_missed", on__gte=start, on__lt=today
        ).values_list("source", flat=True)
    )
    days = [day for day in days if f"nocheckin:{day.isoformat()}" not in scored]
    if not days:
        return []
    # Days the measure was suspended (戒毒条例 Art. 24: detained, arrested) are not owed.
    pauses = list(
        MeasurePause.objects.filter(measure_id=case.measure_id, started_on__lt=today)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
        .values_list("started_on", "ended_on")
    )
    return [
        award(case, "checkin_missed", on=day, source=f"nocheckin:{day.isoformat()}")
        for day in days
        if not any(s <= day and (e is None or day <= e) for s, e in pauses)
    ]


# --- Refresh -----------------------------------------------------------------------------------


def _facts_query(today: date):
    """Annotations that bring every fact the risk criteria read along with the case row."""
    from jiedu.checkins.choices import ReviewOutcome
    from jiedu.checkins.models import CheckIn, PortalAccount

    tests = CommunityDrugTest.objects.filter(case=OuterRef("pk")).order_by("-taken_on")
    return {
        "f_last_positive": Subquery(
            # A positive that a negative re-test overturned does not count.
            tests.filter(result=TestResult.POSITIVE)
            .exclude(checked_by__result=TestResult.NEGATIVE)
            .values("taken_on")[:1]
        ),
        "f_last_refused": Subquery(
            tests.filter(result__in=NON_COMPLIANT_RESULTS).values("taken_on")[:1]
        ),
        "f_last_absence": Subquery(
            Absence.objects.filter(case=OuterRef("pk"), approved=False)
            .annotate(last=Coalesce("returned_on", Value(today, output_field=DateField())))
            .order_by("-last")
            .values("last")[:1]
        ),
        "f_refusal_referral": Exists(
            Referral.objects.filter(
                case=OuterRef("pk"),
                reason=ReferralReason.REFUSAL,
                status__in=(ReferralStatus.DRAFT, ReferralStatus.REPORTED),
            )
        ),
        "f_portal_opened": Subquery(
            PortalAccount.objects.filter(person=OuterRef("person"), is_active=True).values(
                "created_at"
            )[:1]
        ),
        "f_last_checkin": Subquery(
            CheckIn.objects.filter(case=OuterRef("pk"))
            .exclude(review_outcome=ReviewOutcome.REJECTED)
            .order_by("-on")
            .values("on")[:1]
        ),
    }


def _criteria(values: dict) -> risk.Criteria:
    return risk.Criteria(
        levels={code: values[c.key] for code, c in cr.CRITERIA.items()},
        lookback_months=values[cr.RISK_LOOKBACK_MONTHS],
        checkin_gap_days=values[cr.RISK_CHECKIN_GAP_DAYS],
    )


def refresh_case(case) -> None:
    """Recompute the case's credit score and tier and its risk class and reasons (saved only when
    they change), after scoring the misses; raise a RISK_HIGH alert when the class becomes high.
    The caller's instance gets the new values too."""
    today = clock.today()
    # Derived values and the misses are the system's findings, whoever's request touched the
    # case (a worker opening the page did not score the missed check-ins).
    with acting_as(None), transaction.atomic():
        fresh = (
            CommunityCase.objects.select_related("measure", "unit")
            .annotate(**_facts_query(today))
            .get(pk=case.pk)
        )
        values = rule_config.values(cr.ALL_KEYS, fresh.unit, today)
        portal_since = timezone.localdate(fresh.f_portal_opened) if fresh.f_portal_opened else None
        # A person detained or escaped is not expected to check in: no gap counts meanwhile.
        owes_checkins = fresh.measure.status == MeasureStatus.IN_PROGRESS
        _sweep(fresh, today, portal_since)

        credit_score, credit_tier = None, ""
        if values[cr.CREDIT_ENABLED]:
            start = window_start(today, values[cr.CREDIT_WINDOW_DAYS])
            total = CreditEntry.objects.filter(case=fresh, on__gte=start, on__lte=today).aggregate(
                total=Sum("points")
            )["total"]
            credit_score = _clamp(values[cr.CREDIT_BASE] + (total or 0))
            good, pass_, _valid = thresholds(values)
            credit_tier = tier_for(credit_score, good, pass_)

        facts = risk.RiskFacts(
            on=today,
            measure_refused=fresh.measure.status == MeasureStatus.REFUSED,
            open_refusal_referral=fresh.f_refusal_referral,
            serious_breach_since=fresh.serious_breach_since,
            self_harm_tendency=fresh.self_harm_tendency,
            psychiatric_abnormality=fresh.psychiatric_abnormality,
            loss_of_control=fresh.loss_of_control,
            severe_illness=fresh.severe_illness,
            last_positive_on=fresh.f_last_positive,
            last_refused_test_on=fresh.f_last_refused,
            last_unapproved_absence_on=fresh.f_last_absence,
            credit_tier=credit_tier,
            portal_since=portal_since if owes_checkins else None,
            last_checkin_on=fresh.f_last_checkin,
        )
        risk_class, reasons = risk.classify(facts, _criteria(values))

        before = fresh.risk_class
        new = {
            "credit_score": credit_score,
            "credit_tier": credit_tier,
            "risk_class": risk_class,
            "risk_reasons": reasons,
        }
        changed = [f for f, v in new.items() if getattr(fresh, f) != v]
        for f in changed:
            setattr(fresh, f, new[f])
        if changed:
            fresh.save(update_fields=changed)
        if risk_class == RiskClass.HIGH and before != RiskClass.HIGH and fresh.is_open:
            raise_alert(
                fresh,
                AlertKind.RISK_HIGH,
                today,
                detail=alert_detail(reasons, values),
                source=f"risk:{today.isoformat()}",
            )
    for f in STORED_FIELDS:
        setattr(case, f, getattr(fresh, f))
    snapshot = getattr(case, "_audit_snapshot", None)
    if snapshot is not None and snapshot is not getattr(fresh, "_audit_snapshot", None):
        snapshot.update({f: getattr(fresh, f) for f in STORED_FIELDS})


def alert_detail(reasons, values: dict) -> str:
    """The alert's text in Chinese; stored, and read by users who may not see health, so health
    reasons are named only as such."""
    texts = [
        zh(
            risk.reason_text(
                code,
                may_see_health=False,
                months=values[cr.RISK_LOOKBACK_MONTHS],
                days=values[cr.RISK_CHECKIN_GAP_DAYS],
            )
        )
        for code in reasons
    ]
    return zh(_("风险等级升为高：")) + "；".join(texts)


# --- Display helpers ---------------------------------------------------------------------------


def may_see_health(user, case) -> bool:
    return has_perm_any(user, HEALTH, case_units(case))


def risk_reasons(case, user, values: dict | None = None) -> list[str]:
    """The stored reason codes as sentences for `user` (health reasons hidden without
    people.view_health)."""
    if values is None:
        values = rule_config.values(
            (cr.RISK_LOOKBACK_MONTHS, cr.RISK_CHECKIN_GAP_DAYS), case.unit, clock.today()
        )
    health = may_see_health(user, case)
    return [
        risk.reason_text(
            code,
            may_see_health=health,
            months=values[cr.RISK_LOOKBACK_MONTHS],
            days=values[cr.RISK_CHECKIN_GAP_DAYS],
        )
        for code in case.risk_reasons or []
    ]


# --- Worker-recorded risk facts ----------------------------------------------------------------


def set_risk_facts(
    case: CommunityCase,
    *,
    self_harm_tendency: bool,
    psychiatric_abnormality: bool | None,
    loss_of_control: bool,
    severe_illness: bool,
    actor,
) -> CommunityCase:
    """Record what the worker knows of the person that the high-risk criteria read (RISK 2016):
    a suicide or self-harm tendency, psychiatric abnormality, loss of control, severe illness.
    Psychiatric abnormality is health information: only a user holding people.view_health may
    change it; for anyone else it stays as it is (None also leaves it). Then refresh the class."""
    require(actor, MANAGE, case, _("您无权登记该个案的风险情况。"))
    check_open(case)
    health = may_see_health(actor, case)
    with acting_as(actor), transaction.atomic():
        locked = lock_case(case)
        new = {
            "self_harm_tendency": bool(self_harm_tendency),
            "loss_of_control": bool(loss_of_control),
            "severe_illness": bool(severe_illness),
        }
        if health and psychiatric_abnormality is not None:
            new["psychiatric_abnormality"] = bool(psychiatric_abnormality)
        changed = [f for f, v in new.items() if getattr(locked, f) != v]
        for f in changed:
            setattr(locked, f, new[f])
        if changed:
            locked.save(update_fields=changed)
        refresh_case(locked)
    for f in (*new, *STORED_FIELDS):
        setattr(case, f, getattr(locked, f))
    return locked
