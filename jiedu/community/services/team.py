"""The work team (社区戒毒工作小组), the agreement (社区戒毒/社区康复协议) and the change of place
(变更执行地) of a community case."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jiedu.accounts.models import User
from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.context import acting_as
from jiedu.core.refusals import Refusal
from jiedu.measures import services as measures
from jiedu.measures.choices import MeasureKind
from jiedu.orgs.models import OrgUnit
from jiedu.people.events import record_event

from .. import rules
from ..choices import AlertKind, CaseState, TeamRole, TransferStatus
from ..models import Agreement, CaseTransfer, CommunityCase, TeamMember
from .common import (
    check_day,
    check_open,
    lock_case,
    raise_alert,
    record_fields,
    require,
    source_of,
)

MANAGE = "community.manage_case"
APPROVE = "community.approve_leave"


# --- The work team (戒毒条例 Art. 17) ------------------------------------------------------------


def add_member(
    case: CommunityCase,
    *,
    role: str,
    name: str = "",
    phone: str = "",
    user: User | None = None,
    started_on: date,
    actor,
) -> TeamMember:
    """A member joins the 社区戒毒工作小组 (戒毒条例 Art. 17). Adding the same person in the same
    role again while they are on the team returns the member already there (a retried form)."""
    require(actor, MANAGE, case, _("您无权调整该个案的工作小组。"))
    check_open(case)
    if role not in TeamRole.values:
        raise Refusal(_("请选择成员角色。"), code="required", field="role")
    name = (name or "").strip() or (str(user) if user is not None else "")
    if not name:
        raise Refusal(_("请填写成员姓名。"), code="required", field="name")
    check_day(case, started_on, "started_on")
    with acting_as(actor), transaction.atomic():
        case = lock_case(case)
        existing = TeamMember.objects.filter(
            case=case, role=role, name=name, ended_on__isnull=True
        ).first()
        if existing is not None:
            return existing
        return TeamMember.objects.create(
            **record_fields(case, actor),
            role=role,
            name=name,
            phone=(phone or "").strip(),
            user=user,
            started_on=started_on,
        )


def end_member(member: TeamMember, *, on: date, actor) -> TeamMember:
    """A member leaves the team; the row stays, so the team on any past day can be read."""
    case = member.case
    require(actor, MANAGE, case, _("您无权调整该个案的工作小组。"))
    if member.ended_on is not None:
        if member.ended_on == on:
            return member  # a retry
        raise Refusal(
            _("该成员已于%(day)s退出。"),
            code="already_ended",
            params={"day": member.ended_on.isoformat()},
            field="on",
        )
    if on > clock.today():
        raise Refusal(_("日期不能晚于今天。"), code="future_date", field="on")
    if on < member.started_on:
        raise Refusal(
            _("退出日期不能早于加入日期（%(day)s）。"),
            code="before_start",
            params={"day": member.started_on.isoformat()},
            field="on",
        )
    with acting_as(actor), transaction.atomic():
        member = TeamMember.objects.select_for_update().get(pk=member.pk)
        member.ended_on = on
        member.save(update_fields=["ended_on"])
    return member


def team_on(case: CommunityCase, on: date | None = None):
    """The team as it stood on day `on` (default today)."""
    on = on or clock.today()
    return (
        TeamMember.objects.filter(case=case, started_on__lte=on)
        .exclude(ended_on__lt=on)
        .order_by("role", "id")
    )


# --- The agreement (戒毒条例 Art. 16, 38) ---------------------------------------------------------


def agreement_in_force(case: CommunityCase) -> Agreement | None:
    return Agreement.objects.filter(case=case, superseded_on__isnull=True).first()


def pending_transfer(case: CommunityCase) -> CaseTransfer | None:
    """The change of place after which the person has not yet reported at the new township."""
    return (
        CaseTransfer.objects.filter(case=case, status=TransferStatus.MOVED)
        .order_by("-moved_on", "-id")
        .first()
    )


def agreement_due(case: CommunityCase) -> bool:
    """Whether the person reported in (or reported at the new place) and no agreement is in
    force: one must be signed now (戒毒条例 Art. 16, 22)."""
    return (
        case.state == CaseState.ACTIVE
        and pending_transfer(case) is None
        and agreement_in_force(case) is None
    )


def next_agreement_number(case: CommunityCase, on: date) -> str:
    """<unit code>-<year>-<sequence in the unit that year>, not yet used on this case."""
    unit = case.unit
    seq = Agreement.objects.filter(unit=unit, signed_on__year=on.year).count() + 1
    taken = set(Agreement.objects.filter(case=case).values_list("number", flat=True))
    while True:
        number = f"{unit.code}-{on.year}-{seq:04d}"
        if number not in taken:
            return number
        seq += 1


def sign_agreement(case: CommunityCase, *, on: date, number: str | None = None, actor) -> Agreement:
    """签订社区戒毒（康复）协议: promptly after the person reports in (戒毒条例 Art. 16, 38) and
    again at the new township after a change of place (Art. 22). A new agreement supersedes the
    one in force; its text is frozen when signed. A retry on the same day returns the first."""
    require(actor, MANAGE, case, _("您无权为该个案签订协议。"))
    check_open(case)
    if case.state == CaseState.AWAITING_REPORT or case.measure.reported_on is None:
        # 戒毒条例 Art. 16: the agreement is signed with a person who has reported in.
        raise Refusal(
            _("本人尚未报到，不能签订协议；请先登记报到。"), code="not_reported", field="signed_on"
        )
    check_day(case, on, "signed_on")
    if on < case.measure.reported_on:
        raise Refusal(
            _("签订日期不能早于报到日期（%(day)s）。"),
            code="before_report",
            params={"day": case.measure.reported_on.isoformat()},
            field="signed_on",
        )
    pending = pending_transfer(case)
    if pending is not None:
        # 戒毒条例 Art. 22: the new agreement is signed when the person reports at the new place.
        raise Refusal(
            _("变更执行地后本人尚未在%(unit)s报到，请先登记报到再签订新协议。"),
            code="transfer_not_reported",
            params={"unit": str(pending.to_unit)},
            field="signed_on",
        )
    number = (number or "").strip()
    with acting_as(actor), transaction.atomic():
        case = lock_case(case)
        current = agreement_in_force(case)
        same_day = current is not None and current.signed_on == on
        if same_day and current.unit_id == case.unit_id and number in ("", current.number):
            return current  # a retry
        if current is not None and on < current.signed_on:
            raise Refusal(
                _("签订日期不能早于现行协议的签订日期（%(day)s）。"),
                code="before_current",
                params={"day": current.signed_on.isoformat()},
                field="signed_on",
            )
        if number and Agreement.objects.filter(case=case, number=number).exists():
            raise Refusal(
                _("该个案已有编号为%(number)s的协议。"),
                code="number_taken",
                params={"number": number},
                field="number",
            )
        if current is not None:
            current.superseded_on = on
            current.save(update_fields=["superseded_on"])
        agreement = Agreement.objects.create(
            **record_fields(case, actor),
            unit=case.unit,
            number=number or next_agreement_number(case, on),
            signed_on=on,
            contents=agreement_contents(case, on),
        )
        record_event(
            case.person,
            "community.agreement.signed",
            actor=actor,
            org_unit=case.unit,
            on=on.isoformat(),
            unit=str(case.unit),
            title=agreement.contents.get("title", ""),
            number=agreement.number,
        )
        return agreement


def _schedule_lines(case: CommunityCase, on: date) -> list[str]:
    """The person's tests, talks, visits and self-reports, from the plan in force."""
    from . import schedule

    lines = schedule.plan_summary(case, on=on)
    if lines:
        return [str(line) for line in lines]
    return [
        "按照社区戒毒（康复）工作小组的安排，定期接受吸毒检测，并接受随机抽检"
        "（禁毒法第三十三条；戒毒条例第十九条）。",
        "按照安排接受谈话教育和走访，定期向工作小组报告本人戒毒、就业、生活情况。",
    ]


def agreement_contents(case: CommunityCase, on: date) -> dict:
    """The text of the agreement, frozen at signing: the sections REG 16 requires (measures,
    rules to obey, liability for breach) and those Zhejiang (Art. 34), Shandong (Art. 41) and
    Chongqing (Art. 35) add (rights and help, the work team's duties, other matters)."""
    measure = case.measure
    person = case.person
    rehab = measure.kind == MeasureKind.COMMUNITY_REHABILITATION
    word = "社区康复" if rehab else "社区戒毒"
    values = rule_config.values(
        [
            rules.BREACH_REFUSED_TESTS,
            rules.BREACH_ABSENCES,
            rules.BREACH_DAYS_AWAY,
            rules.LEAVE_WRITTEN_DAYS,
            rules.TRANSFER_REPORT_DAYS,
        ],
        case.unit,
        on,
    )
    term = ""
    if measure.term_start and measure.term_end:
        term = f"自{measure.term_start.isoformat()}起至{measure.term_end.isoformat()}止"
    with translation.override("zh-hans"):
        team = [f"{m.get_role_display()}：{m.name}" for m in team_on(case, on)]
        worker = str(case.worker) if case.worker_id else ""
    if worker and not any(worker in line for line in team):
        team.insert(0, f"责任专干：{worker}")
    # 戒毒条例 Art. 20: the three grounds of a serious breach; 禁毒法 Art. 38: isolation follows.
    breach = [
        f"逃避或者拒绝接受检测{values[rules.BREACH_REFUSED_TESTS]}次以上的；",
        f"擅自离开社区戒毒执行地所在县（市、区）{values[rules.BREACH_ABSENCES]}次以上的；",
        f"擅自离开社区戒毒执行地所在县（市、区）累计超过{values[rules.BREACH_DAYS_AWAY]}日的。",
    ]
    sections = [
        {
            "code": "measures",
            "heading": "一、具体措施",
            "items": [
                f"乙方{person.name}接受{word}，期限{measure.term_months}个月"
                + (f"（{term}）" if term else "")
                + f"，由甲方{case.unit.name}负责执行。",
                *_schedule_lines(case, on),
                "甲方组织社区戒毒（康复）工作小组，对乙方采取戒毒知识辅导、教育、劝诫，"
                "提供戒毒治疗、心理咨询和职业技能培训等帮扶措施（戒毒条例第十七条、第十八条）。",
            ],
        },
        {
            "code": "rules",
            "heading": "二、应遵守的规定",
            "items": [
                "遵守法律法规，自觉履行本协议，按照要求接受检测（戒毒条例第十九条）。",
                # 戒毒条例 Art. 19: leaving the county for 3+ days needs a written report.
                f"离开执行地所在县（市、区）{values[rules.LEAVE_WRITTEN_DAYS]}日以上的，"
                "须事先书面报告并经批准，按期返回并销假（戒毒条例第十九条）。",
                # 戒毒条例 Art. 22: change of place and reporting at the new township.
                "因户籍或者居住地变动需要变更执行地的，应当向甲方提出申请；变更后应当在"
                f"{values[rules.TRANSFER_REPORT_DAYS]}日内到新执行地报到，"
                "期限连续计算（戒毒条例第二十二条）。",
                "按时参加谈话教育、如实报告本人情况，不得吸食、注射毒品。",
            ],
        },
        {
            "code": "liability",
            "heading": "三、违反协议应承担的责任",
            "items": [
                "乙方有下列情形之一的，属于严重违反社区戒毒协议，甲方将及时向公安机关报告，"
                "由公安机关依法决定强制隔离戒毒（戒毒条例第二十条；禁毒法第三十八条）：",
                *breach,
                f"{word}期间吸食、注射毒品的，甲方应当及时向公安机关报告（戒毒条例第二十一条）。",
                "违反本协议其他规定的，甲方予以批评教育，并记入信用评价。",
            ],
        },
        {
            "code": "rights",
            "heading": "四、本人权利与帮扶",
            "items": [
                "乙方在入学、就业、享受社会保障等方面不受歧视（禁毒法第五十二条）。",
                "乙方可以获得戒毒治疗、心理咨询、职业技能培训、就业指导和社会救助等帮扶。",
                "乙方的个人信息依法予以保密。乙方对甲方的工作有意见的，可以提出申诉或建议。",
            ],
        },
        {
            "code": "team",
            "heading": "五、工作小组职责",
            "items": [
                "工作小组由甲方工作人员、社区民警、社区医务人员、家庭成员和禁毒志愿者等组成，"
                "负责对乙方进行教育帮扶、定期谈话走访、组织检测，并如实记录乙方执行协议的情况"
                "（戒毒条例第十七条）。",
                *(team or ["工作小组成员由甲方确定后告知乙方。"]),
            ],
        },
        {
            "code": "other",
            "heading": "六、其他事项",
            "items": [
                "本协议自双方签字（盖章）之日起生效；变更执行地的，应当在新执行地重新签订协议，"
                "原协议同时失效。",
                f"{word}期满或者依法终止，本协议自然终止。",
                "本协议一式三份，甲方、乙方、公安机关各执一份。",
            ],
        },
    ]
    return {
        "title": f"{word}协议",
        "kind": measure.kind,
        "party_a": case.unit.name,
        "party_b": person.name,
        "id_number_masked": person.id_number_masked,
        "decision_number": measure.decision_number,
        "deciding_organ": measure.deciding_organ.name if measure.deciding_organ else "",
        "term_start": measure.term_start.isoformat() if measure.term_start else "",
        "term_end": measure.term_end.isoformat() if measure.term_end else "",
        "signed_on": on.isoformat(),
        "sections": sections,
    }


# --- Change of place (戒毒条例 Art. 22) -----------------------------------------------------------


def transfer_case(
    case: CommunityCase, *, to_unit: OrgUnit, on: date, reason: str, actor
) -> CaseTransfer:
    """变更执行地: the measure and the case move to `to_unit`; the person reports there within
    the configured days (15, 戒毒条例 Art. 22); the term runs on; the agreement in force lapses
    and a new one is signed at the new place; the new township assigns its own worker. A retry
    (same day, same township) returns the first transfer."""
    require(actor, APPROVE, case, _("您无权办理该个案的变更执行地。"))
    existing = CaseTransfer.objects.filter(case=case, to_unit=to_unit, moved_on=on).first()
    if existing is not None:
        return existing
    check_open(case)
    if not (reason or "").strip():
        raise Refusal(_("请填写变更执行地的原因。"), code="required", field="reason")
    check_day(case, on, "moved_on")
    with acting_as(actor), transaction.atomic():
        case = lock_case(case)
        from_unit = case.unit
        measures.change_place(
            case.measure, on=on, to_unit=to_unit, actor=actor, reason=reason.strip()
        )
        case = lock_case(case)
        days = rule_config.resolve(rules.TRANSFER_REPORT_DAYS, to_unit, on).value
        transfer = CaseTransfer.objects.create(
            **record_fields(case, actor),
            from_unit=from_unit,
            to_unit=to_unit,
            moved_on=on,
            reason=reason.strip()[:200],
            report_due_by=on + timedelta(days=days),
        )
        current = agreement_in_force(case)
        if current is not None:
            current.superseded_on = on
            current.save(update_fields=["superseded_on"])
        if case.worker_id is not None:
            case.worker = None  # the new township assigns its own worker
            case.save(update_fields=["worker"])
        raise_alert(
            case,
            AlertKind.TRANSFER_IN,
            on,
            detail=_transfer_detail(transfer),
            source=source_of(transfer),
        )
    return transfer


def _transfer_detail(transfer: CaseTransfer) -> str:
    return (
        f"由{transfer.from_unit.name}变更至{transfer.to_unit.name}，"
        f"应于{transfer.report_due_by.isoformat()}前报到"
    )


def record_transfer_report(transfer: CaseTransfer, *, on: date, actor) -> CaseTransfer:
    """The person reported at the new township; a new agreement is now due."""
    case = transfer.case
    require(actor, MANAGE, case, _("您无权办理该个案。"))
    if transfer.status == TransferStatus.REPORTED:
        if transfer.reported_on == on:
            return transfer  # a retry
        raise Refusal(
            _("已于%(day)s登记在新执行地报到。"),
            code="already_reported",
            params={"day": transfer.reported_on.isoformat()},
            field="on",
        )
    check_open(case)
    check_day(case, on, "on")
    if on < transfer.moved_on:
        raise Refusal(
            _("报到日期不能早于变更日期（%(day)s）。"),
            code="before_transfer",
            params={"day": transfer.moved_on.isoformat()},
            field="on",
        )
    with acting_as(actor), transaction.atomic():
        lock_case(case)
        transfer = CaseTransfer.objects.select_for_update().get(pk=transfer.pk)
        transfer.status = TransferStatus.REPORTED
        transfer.reported_on = on
        transfer.save(update_fields=["status", "reported_on"])
        record_event(
            case.person,
            "community.transfer.reported",
            actor=actor,
            org_unit=transfer.to_unit,
            on=on.isoformat(),
            unit=str(transfer.to_unit),
        )
    return transfer


def overdue_transfers(queryset, today: date):
    """Transfers after which the person has not reported at the new place by the deadline."""
    return queryset.filter(status=TransferStatus.MOVED, report_due_by__lt=today)
