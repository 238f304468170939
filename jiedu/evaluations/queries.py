"""What is due: handbooks and evaluations for the people in a facility now, and proposals
waiting for the committee or the deciding organ. Plain queries (design: overdue lists are
queries, not jobs), a fixed number per call whatever the number of people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, OuterRef, Q, Subquery

from jiedu.core import rules as rule_config
from jiedu.core.permissions import scope_q
from jiedu.facilities.choices import ZONE_ORDER, ZoneKind
from jiedu.facilities.models import Admission, Zone, ZoneChange

from . import rules
from .choices import EvaluationKind, EvaluationStatus, ProposalStatus
from .models import Evaluation, Handbook, Proposal

K = EvaluationKind


@dataclass(frozen=True)
class Due:
    stay: Admission
    kind: str  # an EvaluationKind value, or "handbook"
    due_on: date
    today: date

    @property
    def overdue(self) -> bool:
        return self.today > self.due_on

    @property
    def label(self) -> str:
        from django.utils.translation import gettext as _

        if self.kind == "handbook":
            return _("建立诊断评估手册")
        return str(EvaluationKind(self.kind).label)


class _Rules:
    """The timing rules in force today at each facility, read once per facility and key: the
    list costs a fixed number of queries whatever the number of people."""

    def __init__(self, today: date):
        self.today = today
        self._cache: dict[tuple[str, int], int] = {}

    def __call__(self, key: str, facility) -> int:
        if (key, facility.pk) not in self._cache:
            self._cache[(key, facility.pk)] = rule_config.value(key, facility, self.today)
        return self._cache[(key, facility.pk)]


def due_for_stays(stays, today: date, *, within_days: int = 14) -> list[Due]:
    """Every handbook and evaluation due by `today + within_days` for the given open stays."""
    stays = list(
        stays.select_related("person", "measure", "facility", "zone", "bed").annotate(
            zone_since=Subquery(
                ZoneChange.objects.filter(admission=OuterRef("pk"), to_zone=OuterRef("zone"))
                .order_by("-on", "-id")
                .values("on")[:1]
            )
        )
    )
    ids = [s.pk for s in stays]
    with_handbook = set(
        Handbook.objects.filter(admission_id__in=ids).values_list("admission_id", flat=True)
    )
    done: dict[tuple[int, str], date] = {
        (row["admission_id"], row["kind"]): row["last"]
        for row in Evaluation.objects.filter(
            admission_id__in=ids, status=EvaluationStatus.COMPLETED
        )
        .values("admission_id", "kind")
        .annotate(last=Max("evaluated_on"))
    }
    horizon = today + timedelta(days=within_days)
    _rule = _Rules(today)
    # A stage evaluation gates the move to a later zone; where the facility has none (a police
    # facility's last zone before transfer), none falls due.
    kinds: dict[int, set[str]] = {}
    for facility_id, kind in Zone.objects.filter(
        facility_id__in={s.facility_id for s in stays}, is_active=True
    ).values_list("facility_id", "kind"):
        kinds.setdefault(facility_id, set()).add(kind)

    def has_later_zone(stay) -> bool:
        later = ZONE_ORDER[ZONE_ORDER.index(stay.zone.kind) + 1 :]
        return bool(kinds.get(stay.facility_id, set()) & set(later))

    rows: list[Due] = []
    for stay in stays:
        facility, measure = stay.facility, stay.measure
        if stay.pk not in with_handbook:
            days = _rule(rules.HANDBOOK_DAYS, facility)
            rows.append(Due(stay, "handbook", stay.admitted_on + timedelta(days=days), today))
        wanted: list[tuple[str, date, date]] = []  # kind, due day, done since
        days = _rule(rules.ADMISSION_DAYS, facility)
        wanted.append((K.ADMISSION, stay.admitted_on + timedelta(days=days), stay.admitted_on))
        since = stay.zone_since or stay.admitted_on
        zone = stay.zone.kind if stay.zone and stay.zone.kind in ZONE_ORDER else None
        if zone is not None and not has_later_zone(stay):
            zone = None
        if zone == ZoneKind.DETOX:
            days = _rule(rules.DETOX_ZONE_DAYS, facility)
            wanted.append((K.DETOX_STAGE, since + timedelta(days=days), since))
        elif zone == ZoneKind.EDUCATION_ADAPTATION:
            days = _rule(rules.EDUCATION_ZONE_DAYS, facility)
            wanted.append((K.EDUCATION_STAGE, since + timedelta(days=days), since))
        elif zone == ZoneKind.CONSOLIDATION and measure.term_end:
            days = _rule(rules.RETURN_GUIDANCE_DAYS, facility)
            wanted.append((K.CONSOLIDATION_STAGE, measure.term_end - timedelta(days=days), since))
        if measure.is_isolation and measure.early_release_from:
            wanted.append((K.ONE_YEAR, measure.early_release_from, measure.decided_on))
        if measure.is_isolation and measure.term_end:
            days = _rule(rules.PRE_EXPIRY_DAYS, facility)
            due_on = measure.term_end - timedelta(days=days)
            # Counted when done within 90 days before it falls due: after an extension moves
            # the term end, the earlier pre-expiry evaluation no longer counts.
            wanted.append((K.PRE_EXPIRY, due_on, due_on - timedelta(days=90)))
        for kind, due_on, done_since in wanted:
            last = done.get((stay.pk, kind))
            if last is not None and last >= done_since:
                continue
            if due_on <= horizon:
                rows.append(Due(stay, kind, due_on, today))
    rows.sort(key=lambda r: (r.due_on, r.stay.person.name))
    return rows


def open_stays(facility):
    return Admission.objects.filter(facility__path__startswith=facility.path, left_on__isnull=True)


def proposals_for_committee(facility):
    return (
        Proposal.objects.filter(
            status=ProposalStatus.DRAFTED,
            evaluation__admission__facility__path__startswith=facility.path,
        )
        .select_related("evaluation__person", "evaluation__admission", "measure")
        .order_by("created_at")
    )


def proposals_for_organ(queryset):
    """Proposals the organ has received and not yet decided, the most urgent first (戒毒条例
    Art. 33: within 7 days of receipt)."""
    return (
        queryset.filter(status=ProposalStatus.SUBMITTED)
        .select_related("evaluation__person", "evaluation__admission__facility", "measure")
        .order_by("decision_due_by", "id")
    )


# The statuses a proposal has once the facility committee sent it to the deciding organ.
REACHED_ORGAN = (ProposalStatus.SUBMITTED, ProposalStatus.APPROVED, ProposalStatus.REJECTED)


def visible_proposals(user):
    """Proposals in scope: all of the proposing facility's, and the deciding organ's once the
    committee has sent them (a draft is still the facility's own business)."""
    qs = Proposal.objects.restrict(user, "view")
    at_facility = scope_q(
        user, "evaluations.view_proposal", "evaluation__admission__facility__path"
    )
    if at_facility is None:  # unrestricted
        return qs
    return qs.filter(at_facility | Q(status__in=REACHED_ORGAN))
