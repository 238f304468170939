"""Violations, serious breach (戒毒条例 Art. 20) and referrals to the police.

- `breach_facts(case, on)` — the counts behind Art. 20, the rows behind them and whether they
  meet it; the arithmetic lives in `community.breach` (pure).
- `detect_breach` — run whenever a refused/evaded test or an unapproved absence is recorded:
  the first time the facts meet Art. 20 it records the day, raises the alert and opens a draft
  referral carrying the evidence.
- `refer` — a draft referral (移交公安) to the deciding organ, one per ground while open.
- `report_referral` — the worker reports it (禁毒法 Art. 35; 戒毒条例 Art. 21): the township's
  procedure pauses (JX §五(七)3) until the police decide.
- `record_police_decision` — the police return the case to the township; an isolation decision
  is taken through `measures.services.decide_measure` instead, and `on_measure_changed` then
  marks the referrals decided.

Importing this module registers the serious-breach provider of `GET /api/v1/measures/{id}`
(`jiedu.measures.facts`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm
from jiedu.core.refusals import Refusal
from jiedu.measures.choices import ACTIVE_STATUSES, MeasureKind, MeasureStatus
from jiedu.measures.facts import register_breach_provider
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.models import OrgUnit
from jiedu.people.events import record_event

from .. import rules
from ..breach import BreachCount, Period, Thresholds, count_breach
from ..choices import (
    NON_COMPLIANT_RESULTS,
    AlertKind,
    BreachRule,
    CaseState,
    ReferralReason,
    ReferralStatus,
)
from ..models import Absence, CommunityCase, CommunityDrugTest, Referral
from .common import lock_case, raise_alert, record_fields, require, source_of, zh

OPEN_STATUSES = (ReferralStatus.DRAFT, ReferralStatus.REPORTED)
THRESHOLD_KEYS = {
    "refused_tests": rules.BREACH_REFUSED_TESTS,
    "absences": rules.BREACH_ABSENCES,
    "days_away": rules.BREACH_DAYS_AWAY,
}
ARTICLE = "戒毒条例 Art. 20"
ARTICLE_ZH = "《戒毒条例》第二十条"

# Police outcomes recorded on a referral. Compulsory isolation is not one: the police decide it
# as a measure (measures.services.decide_measure), which converts the community measure.
OUTCOME_RETURNED = "returned"


# --- Facts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestRow:
    id: int
    taken_on: date
    result: str
    result_label: str
    sample_label: str
    tier_label: str
    note: str
    recorded_by: str


@dataclass(frozen=True)
class AbsenceRow:
    id: int | None  # None: the overrun of an approved leave still open (not a row yet)
    left_on: date
    returned_on: date | None
    days: int  # counted inclusively up to the day of the facts
    destination: str
    note: str
    # Days outside an approved leave (left before it, or back after its return day): the
    # unapproved part split from the leave's absence.
    beyond_leave: bool


@dataclass
class BreachFacts:
    """The facts behind 戒毒条例 Art. 20 for one case as of day `on`."""

    on: date
    refused_or_evaded_tests: int
    unapproved_absences: int
    unapproved_days_away: int
    thresholds: Thresholds
    met: tuple[str, ...]
    since: date | None  # the day the first ground was met
    crossed_on: dict[str, date]
    tests: list[TestRow] = field(default_factory=list)
    absences: list[AbsenceRow] = field(default_factory=list)
    # The record whose recording met the first ground ("communitydrugtest:7", "absence:3").
    trigger: str = ""

    @property
    def serious(self) -> bool:
        return bool(self.met)

    def counts(self) -> dict:
        return {
            "refused_or_evaded_tests": self.refused_or_evaded_tests,
            "unapproved_absences": self.unapproved_absences,
            "unapproved_days_away": self.unapproved_days_away,
        }

    def threshold_dict(self) -> dict:
        return {
            "refused_or_evaded_tests": self.thresholds.refused_tests,
            "unapproved_absences": self.thresholds.absences,
            "unapproved_days_away": self.thresholds.days_away,
        }

    def as_evidence(self) -> dict:
        """Plain data (ISO days, Chinese labels) to freeze into a referral."""
        return {
            "on": self.on.isoformat(),
            "article": ARTICLE,
            "counts": self.counts(),
            "thresholds": self.threshold_dict(),
            "met": list(self.met),
            "met_labels": [zh(BreachRule(rule).label) for rule in self.met],
            "serious": self.serious,
            "since": self.since.isoformat() if self.since else None,
            "tests": [
                {
                    "id": t.id,
                    "taken_on": t.taken_on.isoformat(),
                    "result": t.result,
                    "result_label": t.result_label,
                    "sample": t.sample_label,
                    "tier": t.tier_label,
                    "note": t.note,
                    "recorded_by": t.recorded_by,
                }
                for t in self.tests
            ],
            "absences": [
                {
                    "id": a.id,
                    "left_on": a.left_on.isoformat(),
                    "returned_on": a.returned_on.isoformat() if a.returned_on else None,
                    "days": a.days,
                    "destination": a.destination,
                    "note": a.note,
                    "beyond_leave": a.beyond_leave,
                }
                for a in self.absences
            ],
        }


def thresholds_at(unit, on: date) -> Thresholds:
    """The three figures of 戒毒条例 Art. 20 in force at `unit` on `on`. The statute fixes them
    (the rules' bounds equal their values), so no local version can move them and no query is
    needed unless a rule's bounds ever open up."""
    specs = {name: rule_config.spec(key) for name, key in THRESHOLD_KEYS.items()}
    if all(s.minimum == s.maximum for s in specs.values()):
        found = {s.key: s.default for s in specs.values()}
    else:
        found = rule_config.values(THRESHOLD_KEYS.values(), unit, on)
    return Thresholds(
        refused_tests=found[rules.BREACH_REFUSED_TESTS],
        absences=found[rules.BREACH_ABSENCES],
        days_away=found[rules.BREACH_DAYS_AWAY],
    )


def _days(left_on: date, returned_on: date | None, on: date) -> int:
    end = on if returned_on is None else min(returned_on, on)
    return max((end - left_on).days + 1, 0)


def breach_facts(case: CommunityCase, on: date | None = None) -> BreachFacts:
    """The counts behind 戒毒条例 Art. 20 as of day `on` (default today), with the rows behind
    them, the thresholds at the case's unit and which grounds they meet. Two queries.

    Unapproved absences count; approved ones do not — except an approved absence still open
    after its leave's return day, whose days beyond it count as an unapproved absence of their
    own (the overrun; `absences.record_return` records it as a row when the person is back)."""
    on = on or clock.today()
    thresholds = thresholds_at(case.unit, on)
    tests = [
        TestRow(
            id=t.pk,
            taken_on=t.taken_on,
            result=t.result,
            result_label=zh(t.get_result_display()),
            sample_label=zh(t.get_sample_display()),
            tier_label=zh(t.get_tier_display()),
            note=t.note,
            recorded_by=t.recorded_by,
        )
        for t in CommunityDrugTest.objects.filter(
            case=case, result__in=NON_COMPLIANT_RESULTS, taken_on__lte=on
        ).order_by("taken_on", "id")
    ]
    rows: list[AbsenceRow] = []
    for a in (
        Absence.objects.filter(case=case, left_on__lte=on)
        .select_related("leave")
        .order_by("left_on", "id")
    ):
        if not a.approved:
            rows.append(
                AbsenceRow(
                    id=a.pk,
                    left_on=a.left_on,
                    returned_on=a.returned_on,
                    days=_days(a.left_on, a.returned_on, on),
                    destination=a.destination,
                    note=a.note,
                    beyond_leave=a.leave_id is not None,
                )
            )
        elif a.returned_on is None and a.leave is not None and on > a.leave.return_on:
            # Still away after the approved return day: the days beyond it are unapproved.
            start = a.leave.return_on + timedelta(days=1)
            rows.append(
                AbsenceRow(
                    id=None,
                    left_on=start,
                    returned_on=None,
                    days=_days(start, None, on),
                    destination=a.destination,
                    note=zh(_("超出批准的返回日期（%(day)s）仍未返回"))
                    % {"day": a.leave.return_on.isoformat()},
                    beyond_leave=True,
                )
            )
    rows.sort(key=lambda r: (r.left_on, r.id or 0))
    count = count_breach(
        (t.taken_on for t in tests),
        (Period(r.left_on, r.returned_on) for r in rows),
        on,
        thresholds,
    )
    return BreachFacts(
        on=on,
        refused_or_evaded_tests=count.refused_or_evaded_tests,
        unapproved_absences=count.unapproved_absences,
        unapproved_days_away=count.unapproved_days_away,
        thresholds=thresholds,
        met=count.met,
        since=count.since,
        crossed_on=count.crossed_on,
        tests=tests,
        absences=rows,
        trigger=_trigger(count, tests, rows),
    )


def _trigger(count: BreachCount, tests: list[TestRow], rows: list[AbsenceRow]) -> str:
    """The record that met the first ground: the Nth refused test, the Nth absence, or the
    absence during which the days away passed the limit."""
    if count.since is None:
        return ""
    rule = min(count.crossed_on, key=lambda r: (count.crossed_on[r], r))
    day = count.crossed_on[rule]
    if rule == BreachRule.REFUSED_TESTS:
        found = next((t for t in tests if t.taken_on == day), None)
        return f"communitydrugtest:{found.id}" if found else ""
    for r in rows:
        end = r.returned_on or date.max
        if r.id is not None and r.left_on <= day <= end:
            return f"absence:{r.id}"
    return f"breach:{day.isoformat()}"


def _breach_summary(measure) -> dict | None:
    """The provider behind `serious_breach` in GET /api/v1/measures/{id}: None for measures
    other than the community ones."""
    if measure.kind not in (MeasureKind.COMMUNITY_DRUG_REHAB, MeasureKind.COMMUNITY_REHABILITATION):
        return None
    case = CommunityCase.objects.filter(measure=measure).select_related("unit").first()
    if case is None:
        thresholds = thresholds_at(measure.executing_unit, clock.today())
        empty = BreachFacts(clock.today(), 0, 0, 0, thresholds, (), None, {})
        return _summary(empty, None)
    return _summary(breach_facts(case), case.serious_breach_since)


def _summary(facts: BreachFacts, recorded_since: date | None) -> dict:
    return {
        "serious_breach": facts.serious,
        "counts": {
            **facts.counts(),
            "thresholds": facts.threshold_dict(),
            "met": list(facts.met),
            "since": facts.since,
            "recorded_since": recorded_since,
            "source": ARTICLE,
        },
    }


register_breach_provider(_breach_summary)


# --- Detection ---------------------------------------------------------------------------------


def detect_breach(case: CommunityCase, *, on: date, actor) -> Referral | None:
    """Run after every refused/evaded test and every unapproved absence or return: when the
    facts now meet 戒毒条例 Art. 20, record the breach day (once), raise the alert and open a
    draft referral with the evidence. Returns the open serious-breach referral, or None when
    the facts do not meet Art. 20.

    The facts are counted as of today, so a fact entered late adds up with everything on file;
    `on` is the day of the fact that prompted the check. Runs with the case row locked, so two
    facts recorded at once cannot both miss the threshold they cross together. Calling it again
    opens nothing new; a draft still waiting for the worker gets the latest facts. After the
    police returned an earlier serious-breach referral, a new one opens only on a new fact
    (a test or an absence after their decision)."""
    with acting_as(actor), transaction.atomic():
        case = lock_case(case)
        if not case.is_open:
            return None
        today = clock.today()
        facts = breach_facts(case, today)
        if not facts.serious:
            return None
        if case.serious_breach_since is None:
            case.serious_breach_since = facts.since
            case.save(update_fields=["serious_breach_since"])
            record_event(
                case.person,
                "community.breach.detected",
                actor=actor,
                org_unit=case.unit,
                on=facts.since.isoformat(),
                grounds="；".join(zh(BreachRule(r).label) for r in facts.met),
            )
        referral = _open_referral(case, ReferralReason.SERIOUS_BREACH)
        if referral is None:
            returned = (
                Referral.objects.filter(
                    case=case,
                    reason=ReferralReason.SERIOUS_BREACH,
                    status=ReferralStatus.RETURNED,
                )
                .order_by("-decided_on", "-id")
                .first()
            )
            if returned is not None and not _new_fact_since(facts, returned.decided_on):
                return None
            referral = refer(
                case,
                ReferralReason.SERIOUS_BREACH,
                on=today,
                source=facts.trigger or f"breach:{facts.since.isoformat()}",
                actor=actor,
            )
        elif referral.status == ReferralStatus.DRAFT:
            _refresh_evidence(referral, facts)
        raise_alert(
            case,
            AlertKind.SERIOUS_BREACH,
            today,
            detail=_breach_detail(facts),
            source=source_of(referral),
        )
    return referral


def _new_fact_since(facts: BreachFacts, day: date | None) -> bool:
    if day is None:
        return True
    return any(t.taken_on > day for t in facts.tests) or any(
        a.left_on > day for a in facts.absences
    )


def _breach_detail(facts: BreachFacts) -> str:
    # Stored text is written in the source language (like the timeline).
    return zh(
        _(
            "构成严重违反协议（%(article)s）：%(grounds)s；拒检/逃检%(t)s次，擅自离开%(a)s次，累计%(d)s日"
        )
    ) % {
        "article": ARTICLE_ZH,
        "grounds": "；".join(zh(BreachRule(r).label) for r in facts.met),
        "t": facts.refused_or_evaded_tests,
        "a": facts.unapproved_absences,
        "d": facts.unapproved_days_away,
    }


def review_breach(case: CommunityCase, *, actor) -> Referral | None:
    """The worker asks for detection now (an absence still open crosses 30 days while the
    person is away: no new fact is recorded on that day, so nothing else would run it)."""
    require(actor, "community.refer_case", case, _("您无权向公安机关移交该个案。"))
    return detect_breach(case, on=clock.today(), actor=actor)


# --- Referrals ---------------------------------------------------------------------------------


def _open_referral(case: CommunityCase, reason: str) -> Referral | None:
    return (
        Referral.objects.filter(case=case, reason=reason, status__in=OPEN_STATUSES)
        .order_by("id")
        .first()
    )


def organ_for(case: CommunityCase) -> OrgUnit:
    """Where a referral goes: the organ that decided the measure; failing that, the police
    organ (决定机关) of the nearest division above the township."""
    if case.measure.deciding_organ_id is not None:
        return case.measure.deciding_organ
    unit = case.unit
    steplen = type(unit).steplen
    paths = [unit.path[:i] for i in range(steplen, len(unit.path) + 1, steplen)]
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(path__startswith=p, depth=len(p) // steplen + 1)
    candidates = list(OrgUnit.objects.filter(q, kind=UnitKind.DECIDING_AUTHORITY, is_active=True))
    if not candidates:
        raise Refusal(
            _("找不到该执行地上级的公安机关，无法移交，请联系管理员配置组织机构。"),
            code="no_deciding_organ",
        )
    # The nearest: the organ whose parent has the longest path.
    return max(candidates, key=lambda u: (len(u.path), u.path))


def refer(case, reason: str, *, on, source: str, actor, evidence: dict | None = None):
    """Open (once per reason while open) a draft referral to the deciding organ.

    The referral carries the breach counts and their rows as of `on` (plain data), plus
    whatever the caller adds in `evidence` (the positive test, the refusal). A referral of the
    same ground already open is returned as it is; two at once are kept to one by the
    `referral_one_open_per_reason` constraint. No permission is checked here: opening a draft
    follows a fact the caller was allowed to record; reporting it needs `community.refer_case`."""
    found = _open_referral(case, reason)
    if found is not None:
        return found
    organ = organ_for(case)
    facts = breach_facts(case, min(on, clock.today()))
    data = {**facts.as_evidence(), **(evidence or {})}
    try:
        with acting_as(actor), transaction.atomic():
            return Referral.objects.create(
                reason=reason,
                detected_on=on,
                status=ReferralStatus.DRAFT,
                organ=organ,
                evidence=data,
                source=str(source)[:60],
                **record_fields(case, actor),
            )
    except IntegrityError:
        # The other request opened it first (two facts recorded at once).
        found = _open_referral(case, reason)
        if found is None:
            raise
        return found


def _refresh_evidence(referral: Referral, facts: BreachFacts) -> None:
    """A draft carries the latest facts; once reported the evidence is frozen."""
    extra = {k: v for k, v in referral.evidence.items() if k not in _FACT_KEYS}
    data = {**facts.as_evidence(), **extra}
    if data != referral.evidence:
        referral.evidence = data
        referral.save(update_fields=["evidence"])


_FACT_KEYS = frozenset(
    ("on", "article", "counts", "thresholds", "met", "met_labels", "serious", "since", "tests")
) | {"absences"}


def report_referral(referral: Referral, *, on: date, actor) -> Referral:
    """移交公安: the worker reports the referral to the police (禁毒法 Art. 35; 戒毒条例 Art. 21).

    The evidence is frozen as it stands on the day reported. The case moves to `referred`: the
    township's procedure is paused (JX §五(七)3, 《关于暂停社区戒毒程序的说明》) and its due items
    stop until the police decide. The measure's clock is NOT paused — only 中止 (戒毒条例 Art. 24)
    and escape stop a term, and a referral is neither; the term runs on while the police decide.
    """
    case = referral.case
    require(actor, "community.refer_case", case, _("您无权向公安机关移交该个案。"))
    from . import credit, schedule

    with acting_as(actor), transaction.atomic():
        case = lock_case(case)
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.status == ReferralStatus.REPORTED and referral.reported_on == on:
            return referral  # a retry
        if referral.status != ReferralStatus.DRAFT:
            raise Refusal(
                _("该移交当前状态为“%(status)s”，不能再次移交。"),
                code="referral_not_draft",
                params={"status": ReferralStatus(referral.status).label},
            )
        if on > clock.today():
            raise Refusal(_("日期不能晚于今天。"), code="future_date", field="on")
        if on < referral.detected_on:
            raise Refusal(
                _("移交日期不能早于发现日期（%(day)s）。"),
                code="before_detected",
                params={"day": referral.detected_on.isoformat()},
                field="on",
            )
        # Frozen from here on: the counts and rows as they stand on the day reported.
        _refresh_evidence(referral, breach_facts(case, on))
        referral.status = ReferralStatus.REPORTED
        referral.reported_on = on
        referral.reported_by = str(actor)
        referral.save(update_fields=["status", "reported_on", "reported_by"])
        if case.state != CaseState.CLOSED and case.state != CaseState.REFERRED:
            case.state = CaseState.REFERRED
            case.save(update_fields=["state"])
        record_event(
            case.person,
            "community.referral.reported",
            actor=actor,
            org_unit=case.unit,
            on=on.isoformat(),
            organ=str(referral.organ),
            reason=zh(referral.get_reason_display()),
        )
        schedule.schedule_case(case, actor=actor)
        credit.refresh_case(case)
    return referral


def record_police_decision(referral: Referral, *, outcome: str, on: date, note: str = "", actor):
    """The deciding organ's answer to a reported referral (`community.decide_referral` at the
    organ). `returned`: the community measure goes on — the referral is closed as returned and
    the case is active again (its due items resume) unless another referral still waits.

    Compulsory isolation is not recorded here: the police decide it as a measure
    (`measures.services.decide_measure`, ground serious_breach / drug_use_in_community /
    refused_community), which converts the community measure; `on_measure_changed` then marks
    the open referrals `isolation_decided`."""
    if not has_perm(actor, "community.decide_referral", referral.organ):
        raise PermissionDenied(_("您无权对该移交作出处理决定。"))
    if outcome != OUTCOME_RETURNED:
        raise Refusal(
            _("强制隔离戒毒应通过作出戒毒措施决定登记（决定后社区措施自动转处）。"),
            code="use_measure_decision",
            field="outcome",
        )
    from . import credit, schedule

    with acting_as(actor), transaction.atomic():
        case = lock_case(referral.case)
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.status == ReferralStatus.RETURNED and referral.decided_on == on:
            return referral  # a retry
        if referral.status != ReferralStatus.REPORTED:
            raise Refusal(
                _("该移交当前状态为“%(status)s”，不能作出处理决定。"),
                code="referral_not_reported",
                params={"status": ReferralStatus(referral.status).label},
            )
        if case.measure.status not in ACTIVE_STATUSES:
            raise Refusal(
                _("该社区措施已%(status)s，不能决定继续执行；请作出新的戒毒措施决定。"),
                code="measure_not_active",
                params={"status": MeasureStatus(case.measure.status).label},
                field="outcome",
            )
        if on > clock.today():
            raise Refusal(_("日期不能晚于今天。"), code="future_date", field="on")
        if on < referral.reported_on:
            raise Refusal(
                _("决定日期不能早于移交日期（%(day)s）。"),
                code="before_reported",
                params={"day": referral.reported_on.isoformat()},
                field="on",
            )
        referral.status = ReferralStatus.RETURNED
        referral.decided_on = on
        referral.decision_note = note[:300]
        referral.save(update_fields=["status", "decided_on", "decision_note"])
        waiting = (
            Referral.objects.filter(case=case, status=ReferralStatus.REPORTED)
            .exclude(pk=referral.pk)
            .exists()
        )
        if case.state == CaseState.REFERRED and not waiting:
            ordered = case.measure.status == MeasureStatus.ORDERED
            case.state = CaseState.AWAITING_REPORT if ordered else CaseState.ACTIVE
            case.save(update_fields=["state"])
        record_event(
            case.person,
            "community.referral.returned",
            actor=actor,
            org_unit=referral.organ,
            on=on.isoformat(),
            organ=str(referral.organ),
            reason=zh(referral.get_reason_display()),
        )
        schedule.schedule_case(case, actor=actor)
        credit.refresh_case(case)
    return referral


def on_measure_changed(case, action: str, *, actor) -> None:
    """Follow-up of a measure change on the case's referrals, inside the measure's transaction:
    a refusal (no report within the window, 戒毒条例 Art. 14) opens a refusal referral; an
    isolation decision that converts the measure (禁毒法 Art. 38) closes every open referral
    as `isolation_decided`, pointing at the new measure."""
    measure = case.measure
    if action == "refused":
        refer(
            case,
            ReferralReason.REFUSAL,
            on=measure.ended_on or clock.today(),
            source=f"measure:{measure.pk}",
            actor=actor,
            evidence={
                "refusal": {
                    "served_on": measure.served_on.isoformat(),
                    "report_due_by": (
                        measure.report_due_by.isoformat() if measure.report_due_by else None
                    ),
                    "refused_on": measure.ended_on.isoformat() if measure.ended_on else None,
                }
            },
        )
    elif action == "converted":
        isolation = (
            measure.following.filter(kind=MeasureKind.COMPULSORY_ISOLATION).order_by("id").first()
        )
        decided_on = isolation.decided_on if isolation else (measure.ended_on or clock.today())
        with acting_as(actor):
            for referral in Referral.objects.filter(case=case, status__in=OPEN_STATUSES):
                referral.status = ReferralStatus.ISOLATION_DECIDED
                referral.isolation = isolation
                referral.decided_on = decided_on
                referral.save(update_fields=["status", "isolation", "decided_on"])
