"""What is due: the work list of a facility or a township, computed by queries.

Every section is a fixed number of queries over stored columns (the clocks kept by the measures
services, evaluations and centre records kept by theirs), so the list is right at any moment
without a scheduled job. A row's `state` says how urgent it is:
`overdue` (the day has passed), `due` (in its window or due today) or `upcoming`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiedu.aftercare import queries as aftercare_queries
from jiedu.aftercare import rules as aftercare_rules
from jiedu.aftercare import services as aftercare_services
from jiedu.aftercare.choices import PlanStatus
from jiedu.aftercare.models import FollowUpPlan
from jiedu.community.choices import CaseState
from jiedu.community.models import CaseAlert, CommunityCase
from jiedu.community.services import schedule
from jiedu.core import rules as rule_config
from jiedu.core.permissions import has_perm, scope_q
from jiedu.evaluations import queries as evaluation_queries
from jiedu.evaluations.choices import ProposalStatus
from jiedu.evaluations.models import Proposal
from jiedu.facilities.models import Admission, HomeLeave, MedicalParole, Segregation
from jiedu.measures import rules
from jiedu.measures.choices import (
    COMMUNITY_KINDS,
    MeasureKind,
    MeasureStatus,
    NoticeKind,
)
from jiedu.measures.models import Measure, Notice
from jiedu.orgs.choices import UnitKind

FACILITY_UNIT_KINDS = (UnitKind.POLICE_FACILITY, UnitKind.JUDICIAL_FACILITY)
TOWNSHIP_UNIT_KINDS = (UnitKind.TOWNSHIP, UnitKind.TOWNSHIP_OFFICE)
ROW_LIMIT = 200  # a section longer than this shows its count and the first rows


@dataclass
class Row:
    person: object
    due: date | None
    state: str  # overdue | due | upcoming
    text: str
    measure: Measure | None = None
    stay_id: int | None = None
    url: str = ""  # where the row's work is done, when it is not the measure or the stay


@dataclass
class Section:
    key: str
    title: str
    source: str
    rows: list[Row] = field(default_factory=list)
    total: int = 0

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.state == "overdue")


def _state(due: date | None, today: date, *, window_start: date | None = None) -> str:
    if due is not None and due < today:
        return "overdue"
    if window_start is not None and window_start <= today:
        return "due"
    if due is not None and due == today:
        return "due"
    return "upcoming"


def _section(key, title, source, queryset, make_row) -> Section:
    total = queryset.count()
    rows = [make_row(obj) for obj in queryset[:ROW_LIMIT]]
    return Section(key, str(title), source, rows, total)


def build(user, unit, today: date) -> list[Section]:
    """The sections for `unit` (and the units below it), within what `user` may see."""
    measures = (
        Measure.objects.restrict(user, "view")
        .filter(executing_unit__path__startswith=unit.path)
        .select_related("person", "executing_unit", "deciding_organ")
    )
    horizon = today + timedelta(days=rule_config.value(rules.TERM_ENDING_DAYS, unit, today))
    sections: list[Section] = []
    is_division = unit.kind not in FACILITY_UNIT_KINDS + TOWNSHIP_UNIT_KINDS
    if unit.kind in FACILITY_UNIT_KINDS or is_division:
        sections += _facility_sections(user, unit, measures, today, horizon)
        sections += _evaluation_sections(user, unit, today)
    if unit.kind in TOWNSHIP_UNIT_KINDS or is_division:
        sections += _township_sections(user, unit, measures, today, horizon)
        sections += _aftercare_sections(user, unit, today)
    if is_division:
        sections += _organ_sections(user, unit, today)
    sections.append(_notices(user, unit, today))
    return sections


def _facility_sections(user, unit, measures, today, horizon) -> list[Section]:
    iso = measures.filter(kind=MeasureKind.COMPULSORY_ISOLATION)
    running = iso.filter(status=MeasureStatus.IN_PROGRESS)
    out = [
        _section(
            "admissions",
            _("待入所"),
            "禁毒法 Art. 40–41",
            iso.filter(status=MeasureStatus.ORDERED).order_by("served_on"),
            lambda m: Row(m.person, m.served_on, "due", str(_("决定已送达，待入所")), measure=m),
        ),
        _section(
            "transfers",
            _("移送司法行政戒毒所（窗口与最长期限）"),
            "戒毒条例 Art. 27",
            iso.filter(
                status__in=(MeasureStatus.IN_PROGRESS, MeasureStatus.ESCAPED),
                executing_unit__kind=UnitKind.POLICE_FACILITY,
                transfer_due_from__lte=horizon,
            ).order_by("transfer_due_by"),
            lambda m: Row(
                m.person,
                m.transfer_due_by,
                "overdue"
                if today > m.transfer_due_by
                else _state(m.transfer_due_by, today, window_start=m.transfer_due_from),
                str(
                    _("窗口 %(a)s 至 %(b)s；最迟 %(c)s")
                    % {"a": m.transfer_due_from, "b": m.transfer_due_by, "c": m.police_stage_limit}
                ),
                measure=m,
            ),
        ),
        _section(
            "one_year",
            _("执行满一年：一年后综合诊断评估（可提前解除）"),
            "禁毒法 Art. 47",
            running.filter(
                early_release_from__gte=today - timedelta(days=30),
                early_release_from__lte=horizon,
            ).order_by("early_release_from"),
            lambda m: Row(
                m.person,
                m.early_release_from,
                "due" if m.early_release_from <= today else "upcoming",
                str(_("满一年日 %(d)s") % {"d": m.early_release_from}),
                measure=m,
            ),
        ),
        _section(
            "terms_ending",
            _("期限即将届满"),
            "禁毒法 Art. 47；戒毒条例 Art. 34",
            running.filter(term_end__lte=horizon).order_by("term_end"),
            lambda m: Row(
                m.person,
                m.term_end,
                _state(m.term_end, today),
                str(_("届满日 %(d)s") % {"d": m.term_end}),
                measure=m,
            ),
        ),
        _section(
            "escaped",
            _("脱逃未归"),
            "戒毒条例 Art. 32",
            iso.filter(status=MeasureStatus.ESCAPED).order_by("decided_on"),
            lambda m: Row(m.person, None, "overdue", str(_("脱逃中，期限暂停计算")), measure=m),
        ),
    ]
    stays = Q(admission__facility__path__startswith=unit.path)
    out.append(
        _section(
            "leave",
            _("外出探视应回未回"),
            "司法部令第127号 Art. 24–26",
            HomeLeave.objects.restrict(user, "view")
            .filter(stays, returned_on__isnull=True, overstayed=False, due_back_on__lte=today)
            .select_related("admission__person")
            .order_by("due_back_on"),
            lambda leave: Row(
                leave.admission.person,
                leave.due_back_on,
                _state(leave.due_back_on, today),
                str(_("应于 %(d)s 回所；逾期按脱逃处理") % {"d": leave.due_back_on}),
                stay_id=leave.admission_id,
            ),
        )
    )
    out.append(
        _section(
            "segregation",
            _("单独管理：待批准或应结束"),
            "司法部令第127号 Art. 28",
            Segregation.objects.restrict(user, "view")
            .filter(stays, released_on__isnull=True)
            .filter(Q(approved_at__isnull=True) | Q(ends_on__lte=today))
            .select_related("admission__person")
            .order_by("ends_on"),
            lambda s: Row(
                s.admission.person,
                s.ends_on,
                "overdue" if s.ends_on < today or not s.approved_at else "due",
                str(_("待所领导批准") if not s.approved_at else _("%(d)s 结束") % {"d": s.ends_on}),
                stay_id=s.admission_id,
            ),
        )
    )
    out.append(
        _section(
            "medical_parole",
            _("所外就医中"),
            "戒毒条例 Art. 31",
            MedicalParole.objects.restrict(user, "view")
            .filter(stays, returned_on__isnull=True)
            .select_related("admission__person")
            .order_by("starts_on"),
            lambda p: Row(
                p.admission.person,
                None,
                "upcoming",
                str(_("%(d)s 起在%(h)s就医，期限继续计算") % {"d": p.starts_on, "h": p.hospital}),
                stay_id=p.admission_id,
            ),
        )
    )
    return out


def _evaluation_sections(user, unit, today) -> list[Section]:
    """Handbooks and evaluations due, proposals for the committee, and the talks each officer
    owes (粤戒毒〔2015〕37号; 诊断评估办法; 司法部令第127号 Art. 47)."""
    q = scope_q(user, "evaluations.view_evaluation", "facility__path")
    if q is None and not has_perm(user, "evaluations.view_evaluation"):
        return []
    stays = Admission.objects.filter(facility__path__startswith=unit.path, left_on__isnull=True)
    if q is not None:
        stays = stays.filter(q)
    due = evaluation_queries.due_for_stays(stays, today)
    evaluations = Section(
        "evaluations",
        str(_("诊断评估手册与诊断评估")),
        "粤戒毒〔2015〕37号；强制隔离戒毒诊断评估办法；禁毒法 Art. 47",
        [
            Row(
                d.stay.person,
                d.due_on,
                _state(d.due_on, today),
                d.label,
                url=reverse("evaluations:stay", args=[d.stay.pk]),
            )
            for d in due[:ROW_LIMIT]
        ],
        len(due),
    )
    proposals = (
        Proposal.objects.restrict(user, "view")
        .filter(
            evaluation__admission__facility__path__startswith=unit.path,
            status__in=(ProposalStatus.DRAFTED, ProposalStatus.SUBMITTED),
        )
        .select_related("evaluation__person")
        .order_by("status", "decision_due_by", "id")
    )
    out = [
        evaluations,
        _section(
            "proposals",
            _("提前解除、延长意见：待所务会审议或待决定机关决定"),
            "禁毒法 Art. 47；戒毒条例 Art. 33",
            proposals,
            lambda p: Row(
                p.evaluation.person,
                p.decision_due_by,
                "due" if p.decision_due_by is None else _state(p.decision_due_by, today),
                f"{p.get_kind_display()}：{p.get_status_display()}",
                url=reverse("evaluations:proposal", args=[p.pk]),
            ),
        ),
    ]
    if unit.kind in FACILITY_UNIT_KINDS and has_perm(user, "centres.view_record", unit):
        from jiedu.centres.services.education import overdue_talks, stays_without_case_officer

        talks = [
            Row(
                t.stay.person,
                t.due_on,
                "overdue",
                str(_("分管民警：%(officer)s") % {"officer": t.officer}),
                url=reverse("centres:education_file", args=[t.stay.pk]),
            )
            for t in overdue_talks(unit, today)
        ] + [
            Row(
                s.person,
                s.admitted_on,
                "overdue",
                str(_("未分配分管民警")),
                url=reverse("centres:education_file", args=[s.pk]),
            )
            for s in stays_without_case_officer(unit)
        ]
        out.append(
            Section(
                "talks",
                str(_("个别谈话逾期或未分配分管民警（每月至少一次）")),
                "司法部令第127号 Art. 47",
                talks[:ROW_LIMIT],
                len(talks),
            )
        )
    return out


def _organ_sections(user, unit, today) -> list[Section]:
    """Proposals the deciding organ must decide within 7 days of receipt (戒毒条例 Art. 33)."""
    if not has_perm(user, "evaluations.decide_proposal", unit):
        return []
    pending = evaluation_queries.proposals_for_organ(
        Proposal.objects.restrict(user, "view").filter(
            measure__deciding_organ__path__startswith=unit.path
        )
    )
    return [
        _section(
            "organ_proposals",
            _("待决定：提前解除、延长戒毒期限意见"),
            "戒毒条例 Art. 33",
            pending,
            lambda p: Row(
                p.evaluation.person,
                p.decision_due_by,
                _state(p.decision_due_by, today),
                f"{p.get_kind_display()}（{p.evaluation.admission.facility}）",
                url=reverse("evaluations:proposal", args=[p.pk]),
            ),
        )
    ]


def _township_sections(user, unit, measures, today, horizon) -> list[Section]:
    community = measures.filter(kind__in=COMMUNITY_KINDS)
    ordered = community.filter(status=MeasureStatus.ORDERED)

    def report_row(m):
        handover = m.previous_id is not None and m.kind == MeasureKind.COMMUNITY_REHABILITATION
        text = _("出所衔接：报到截止 %(d)s") if handover else _("报到截止 %(d)s")
        return Row(m.person, m.report_due_by, "due", str(text % {"d": m.report_due_by}), measure=m)

    return [
        _section(
            "to_report",
            _("待报到"),
            "戒毒条例 Art. 14, 38",
            ordered.filter(report_due_by__gte=today).order_by("report_due_by"),
            report_row,
        ),
        _section(
            "report_overdue",
            _("逾期未报到（视为拒绝，应报告公安机关）"),
            "戒毒条例 Art. 14, 21；禁毒法 Art. 38",
            ordered.filter(report_due_by__lt=today).order_by("report_due_by"),
            lambda m: Row(
                m.person,
                m.report_due_by,
                "overdue",
                str(_("报到截止 %(d)s，已逾期") % {"d": m.report_due_by}),
                measure=m,
            ),
        ),
        _section(
            "community_ending",
            _("社区戒毒（康复）即将期满"),
            "禁毒法 Art. 33, 48；戒毒条例 Art. 23, 40",
            community.filter(status=MeasureStatus.IN_PROGRESS, term_end__lte=horizon).order_by(
                "term_end"
            ),
            lambda m: Row(
                m.person,
                m.term_end,
                _state(m.term_end, today),
                str(_("届满日 %(d)s") % {"d": m.term_end}),
                measure=m,
            ),
        ),
        _section(
            "suspended",
            _("中止执行中"),
            "戒毒条例 Art. 24",
            community.filter(status=MeasureStatus.SUSPENDED).order_by("term_end"),
            lambda m: Row(m.person, None, "upcoming", str(_("被拘留、逮捕期间中止")), measure=m),
        ),
        *_community_sections(user, unit, today),
    ]


def _community_sections(user, unit, today) -> list[Section]:
    """The community cases' due items and unseen alerts (domain.md §2.9–2.10): what the
    township's workers owe, from the stored items (overdue is a query, never a job)."""
    if not has_perm(user, "community.view_case"):
        return []
    # The ids are read once: as a subquery, the scope's OR-ed joins gave PostgreSQL plans that
    # ran for minutes at demo size.
    cases = schedule.case_ids(
        CommunityCase.objects.restrict(user, "view")
        .filter(unit__path__startswith=unit.path)
        .exclude(state=CaseState.CLOSED)
    )

    def item_row(item):
        return Row(
            item.person,
            item.due_on,
            _state(item.due_on, today),
            f"{item.get_kind_display()}（{item.case.measure.get_kind_display()}）",
            url=reverse("community:dueitem_list", args=[item.case_id]),
        )

    def visible(items):
        return schedule.hide_upcoming_random(items, user, today)

    alerts = (
        CaseAlert.objects.filter(case_id__in=cases, seen_at__isnull=True)
        .select_related("person")
        .order_by("-raised_on", "-id")
    )
    return [
        _section(
            "community_overdue",
            _("社区应办事项已逾期"),
            "禁毒法 Art. 35；戒毒条例 Art. 19；检测与走访计划",
            visible(schedule.overdue(cases, today)),
            item_row,
        ),
        _section(
            "community_due",
            _("今日及7日内应办"),
            "禁毒法 Art. 35；戒毒条例 Art. 19；检测与走访计划",
            visible(schedule.open_items(cases)).filter(
                due_on__gte=today, due_on__lte=today + timedelta(days=7)
            ),
            item_row,
        ),
        _section(
            "community_alerts",
            _("社区提醒（未阅）"),
            "禁毒法 Art. 35；戒毒条例 Art. 20, 21",
            alerts,
            lambda a: Row(
                a.person,
                a.raised_on,
                "due",
                f"{a.get_kind_display()}：{a.detail}" if a.detail else str(a.get_kind_display()),
                url=reverse("community:case_detail", args=[a.case_id]),
            ),
        ),
    ]


def _aftercare_sections(user, unit, today) -> list[Section]:
    """回访到期: the next follow-up visit of each open plan the unit is responsible for, overdue
    or due within the rule's days (issue 6; domain.md §7.1). Three queries whatever the number
    of plans: the rule, the plans in scope, the visits (count and rows)."""
    if not has_perm(user, aftercare_services.VIEW):
        return []
    days = rule_config.value(aftercare_rules.WORKLIST_DAYS, unit, today)
    # The ids are read once, as for the community cases: the scope's OR-ed joins inside a
    # subquery make poor PostgreSQL plans.
    plans = list(
        FollowUpPlan.objects.restrict(user, "view")
        .filter(unit__path__startswith=unit.path, status=PlanStatus.OPEN)
        .values_list("pk", flat=True)
    )
    title = _("回访到期")
    source = "戒毒条例 Art. 7；后续照管回访计划（Jiedu默认：解除后第1、3、6、12、24、36个月）"
    if not plans:
        return [Section("aftercare_due", str(title), source)]
    return [
        _section(
            "aftercare_due",
            title,
            source,
            aftercare_queries.next_visits(plans, today + timedelta(days=days)),
            lambda v: Row(
                v.person,
                v.due_on,
                _state(v.due_on, today),
                str(_("后续照管第%(m)s个月回访（%(unit)s）") % {"m": v.month, "unit": v.plan.unit}),
                url=reverse("aftercare:plan_detail", args=[v.plan_id]),
            ),
        )
    ]


def _notices(user, unit, today) -> Section:
    notices = (
        Notice.objects.restrict(user, "view")
        .filter(owed_by__path__startswith=unit.path, sent_on__isnull=True)
        .filter(due_on__lte=today + timedelta(days=7))
        # A release notice for a measure that has already ended is moot.
        .exclude(
            kind=NoticeKind.RELEASE_DECIDING_ORGAN,
            measure__status__in=(MeasureStatus.ENDED, MeasureStatus.TERMINATED),
        )
        .select_related("measure__person")
        .order_by("due_on")
    )
    return _section(
        "notices",
        _("应发未发的法定通知"),
        "禁毒法 Art. 40；戒毒条例 Art. 23, 33, 34, 40；司法部令第127号 Art. 15",
        notices,
        lambda n: Row(
            n.measure.person,
            n.due_on,
            _state(n.due_on, today),
            f"{n.get_kind_display()} → {n.recipient}",
            measure=n.measure,
        ),
    )
