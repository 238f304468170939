"""Community cases for the demo province: the township's work on every open community case.

The measure stories (`demo.measures`) decide, report, suspend and end community measures; the
case follows each measure by itself (`community.services.cases`). This module then does what a
township does with an active case — assigns the worker, forms the work team, signs the
agreement, holds the talks and visits, takes the scheduled and random tests — and gives some cases
the facts that make a worker's day: refusals close to the serious-breach line and past it,
a positive test reported to the police, unapproved absences, leave waiting for approval, a
transfer to another township, check-ins waiting for face review. Everything goes through the
services with the demo logins as actors, dated in the past.

Idempotent: a case that already has a signed agreement was enriched before and is left alone.
"""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from jiedu.checkins import services as checkins
from jiedu.checkins.models import PortalAccount
from jiedu.community.choices import (
    CaseState,
    ContactKind,
    DueKind,
    DueStatus,
    ReferralReason,
    ReferralStatus,
    SampleType,
    TeamRole,
    TestResult,
    TestTier,
)
from jiedu.community.models import Agreement, CommunityCase, DueItem, Referral
from jiedu.community.services import absences, cases, drug_tests, schedule, team, violations
from jiedu.core.context import acting_as
from jiedu.demo import province
from jiedu.measures.choices import MeasureStatus
from jiedu.orgs.choices import UnitKind

WORKERS = ("demo_worker", "demo_outsider", "demo_supervisor")
SUPERVISORS = ("demo_supervisor",)
POLICE = ("demo_police",)

# Synthetic team members (invented names).
POLICE_NAMES = ["李建军", "王卫东", "赵志刚", "孙海涛", "周国庆"]
DOCTOR_NAMES = ["陈慧", "刘芳", "杨静", "黄丽", "吴敏"]
VOLUNTEER_NAMES = ["郑晓燕", "冯家宁", "褚文博", "卫思琪", "蒋一鸣"]

# Contacts kept in detail for this many days back; older talks and visits are counted as held
# on paper before the platform (recorded as held, without a summary).
DETAIL_DAYS = 180

# Portal accounts of the demo persons: phone 1390000<case id>, this first password (changed at
# the first sign-in, as the portal requires).
PORTAL_PASSWORD = "Demo-portal-2026"
TRANSFER_REASON = "本人搬迁至新居住地，经审批变更执行地"
TALK_SUMMARY = "了解近况，开展禁毒法律法规教育，提醒按时检测。"

# What happens to the i-th active case (cycled): the facts a worker's list should show.
VARIANTS = (
    "clean",
    "two_refusals",
    "serious_breach_refusals",
    "positive_reported",
    "absences_breach",
    "leave_pending",
    "transfer",
    "portal_review",
)


def _photo(label: str) -> bytes:
    """A synthetic check-in picture without a face (the demo has no real photos): it lands in
    the worker's review queue, as a blurred or faceless photo would."""
    image = Image.new("RGB", (480, 640), (196, 205, 214))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 120, 420, 520), outline=(90, 100, 110), width=6)
    draw.text((80, 560), label, fill=(40, 40, 40))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


class CommunityDemo:
    def __init__(self, demo):
        self.demo = demo
        self.today = demo.today

    def actor(self, perm: str, unit, prefer=WORKERS):
        return self.demo.actor(perm, unit, prefer)

    def finish(self) -> int:
        """Enrich every active case not enriched before; returns how many were."""
        ids = list(
            CommunityCase.objects.filter(state=CaseState.ACTIVE)
            .exclude(pk__in=Agreement.objects.values("case_id"))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        done = 0
        for n, pk in enumerate(ids):
            case = CommunityCase.objects.select_related(
                "measure", "person", "unit", "person__managing_unit"
            ).get(pk=pk)
            variant = VARIANTS[n % len(VARIANTS)]
            with transaction.atomic(), acting_as(self.demo.superuser):
                self.enrich(case, variant, n)
            done += 1
        return done

    # One case --------------------------------------------------------------------------------

    def enrich(self, case: CommunityCase, variant: str, n: int) -> None:
        reported = case.measure.reported_on
        worker = self.actor("community.manage_case", case.unit)
        supervisor = self.actor("community.approve_leave", case.unit, SUPERVISORS)
        if worker.username != "demo_supervisor":
            cases.assign_worker(case, worker, actor=supervisor, on=reported)
        self.form_team(case, worker, reported, n)
        team.sign_agreement(case, on=reported, actor=worker)
        self.keep_schedule(case, worker, variant)
        getattr(self, variant)(case, worker, supervisor, n)

    def form_team(self, case, worker, on: date, n: int) -> None:
        team.add_member(
            case, role=TeamRole.FULLTIME_WORKER, user=worker, started_on=on, actor=worker
        )
        team.add_member(
            case,
            role=TeamRole.COMMUNITY_POLICE,
            name=POLICE_NAMES[n % len(POLICE_NAMES)],
            phone=f"1380000{n:04d}",
            started_on=on,
            actor=worker,
        )
        team.add_member(
            case,
            role=TeamRole.COMMUNITY_DOCTOR,
            name=DOCTOR_NAMES[n % len(DOCTOR_NAMES)],
            started_on=on,
            actor=worker,
        )
        family = case.person.family.order_by("pk").first()
        if family is not None:
            team.add_member(
                case,
                role=TeamRole.FAMILY_MEMBER,
                name=family.name,
                phone=family.phone,
                started_on=on,
                actor=worker,
            )
        team.add_member(
            case,
            role=TeamRole.VOLUNTEER,
            name=VOLUNTEER_NAMES[n % len(VOLUNTEER_NAMES)],
            started_on=on,
            actor=worker,
        )

    def keep_schedule(self, case, worker, variant: str) -> None:
        """Hold the talks and visits and take the tests that fell due before today. The last
        talk of a few cases is left undone, so the overdue list has something on it."""
        items = list(
            DueItem.objects.filter(
                case=case, status=DueStatus.OPEN, due_on__lt=self.today
            ).order_by("due_on", "pk")
        )
        skip_last_talk = variant in ("clean", "two_refusals", "leave_pending")
        last_talk = max((i.due_on for i in items if i.kind == DueKind.TALK), default=None)
        detail_from = self.today - timedelta(days=DETAIL_DAYS)
        for item in items:
            on = max(item.window_start, item.due_on - timedelta(days=3))
            if item.kind in (DueKind.SCHEDULED_TEST, DueKind.RANDOM_TEST):
                if item.kind == DueKind.RANDOM_TEST:
                    on = item.due_on
                drug_tests.record_drug_test(
                    case,
                    taken_on=on,
                    sample=SampleType.URINE,
                    tier=TestTier.ONSITE,
                    result=TestResult.NEGATIVE,
                    kit="吗啡/甲基苯丙胺/氯胺酮三联检测板",
                    staff_1=str(worker),
                    staff_2="社区民警",
                    external_id=f"demo-{item.pk}",
                    actor=worker,
                )
                continue
            if skip_last_talk and item.kind == DueKind.TALK and item.due_on == last_talk:
                continue
            kind = {
                DueKind.TALK: ContactKind.TALK,
                DueKind.HOME_VISIT: ContactKind.HOME_VISIT,
                DueKind.SELF_REPORT: ContactKind.SELF_REPORT,
            }[item.kind]
            schedule.record_contact(
                case,
                kind=kind,
                on=on,
                attended=True,
                place="社区禁毒工作站" if kind != ContactKind.HOME_VISIT else "本人住所",
                summary="" if on < detail_from else TALK_SUMMARY,
                actor=worker,
                external_id=f"demo-{item.pk}",
            )

    # Variants ---------------------------------------------------------------------------------

    def _refuse(self, case, worker, days_ago: list[int], result=TestResult.REFUSED) -> None:
        for k, ago in enumerate(days_ago):
            on = self.today - timedelta(days=ago)
            if on < case.measure.reported_on:
                continue
            drug_tests.record_drug_test(
                case,
                taken_on=on,
                sample=SampleType.URINE,
                tier=TestTier.ONSITE,
                result=result if k % 2 == 0 else TestResult.EVADED,
                staff_1=str(worker),
                note="通知到场检测，本人拒绝配合" if k % 2 == 0 else "通知后未到场，电话关机",
                external_id=f"demo-refusal-{case.pk}-{ago}",
                actor=worker,
            )

    def clean(self, case, worker, supervisor, n) -> None:
        pass

    def two_refusals(self, case, worker, supervisor, n) -> None:
        # One short of the serious-breach line (戒毒条例 Art. 20: 3 or more).
        self._refuse(case, worker, [40, 12])

    def serious_breach_refusals(self, case, worker, supervisor, n) -> None:
        # The third refusal crosses the line: a draft referral waits for the worker to send it.
        self._refuse(case, worker, [55, 30, 6])

    def positive_reported(self, case, worker, supervisor, n) -> None:
        on = self.today - timedelta(days=4)
        if on < case.measure.reported_on:
            return
        drug_tests.record_drug_test(
            case,
            taken_on=on,
            sample=SampleType.URINE,
            tier=TestTier.ONSITE,
            result=TestResult.POSITIVE,
            results={"methamphetamine": "positive", "morphine": "negative", "ketamine": "negative"},
            kit="吗啡/甲基苯丙胺/氯胺酮三联检测板",
            cutoff="甲基苯丙胺 1000 ng/mL",
            staff_1=str(worker),
            staff_2="社区民警",
            bottle_a=f"A-{case.pk:05d}",
            bottle_b=f"B-{case.pk:05d}",
            external_id=f"demo-positive-{case.pk}",
            actor=worker,
        )
        referral = Referral.objects.filter(
            case=case, reason=ReferralReason.POSITIVE_TEST, status=ReferralStatus.DRAFT
        ).first()
        if referral is not None:
            violations.report_referral(
                referral, on=self.today - timedelta(days=3), actor=self._referrer(case, worker)
            )

    def _referrer(self, case, worker):
        return self.actor("community.refer_case", case.unit)

    def absences_breach(self, case, worker, supervisor, n) -> None:
        # Two unapproved absences of 17 days each: 34 days in all, past the 30 of Art. 20.
        for start, days in ((80, 17), (35, 17)):
            left = self.today - timedelta(days=start)
            if left < case.measure.reported_on:
                return
            absences.record_absence(
                case,
                left_on=left,
                returned_on=left + timedelta(days=days - 1),
                approved=False,
                destination="广东省东莞市",
                note="未请假外出务工，经电话督促返回",
                external_id=f"demo-absence-{case.pk}-{start}",
                actor=worker,
            )

    def leave_pending(self, case, worker, supervisor, n) -> None:
        # A kept leave in the past and a new request waiting for the supervisor.
        absences.request_leave(
            case,
            leave_on=self.today + timedelta(days=2),
            return_on=self.today + timedelta(days=6),
            destination="湖南省长沙市",
            reason="探望住院的父亲",
            actor=worker,
            client_id=f"demo-leave-{case.pk}",
        )

    def transfer(self, case, worker, supervisor, n) -> None:
        target = self._other_township(case)
        if target is None or case.measure.status != MeasureStatus.IN_PROGRESS:
            return  # a suspended measure (in detention) does not move (戒毒条例 Art. 22, 24)
        on = self.today - timedelta(days=5)
        if on < case.measure.reported_on:
            return
        team.transfer_case(case, to_unit=target, on=on, reason=TRANSFER_REASON, actor=supervisor)

    def _other_township(self, case):
        for code, _name, county in province.TOWNSHIPS:
            unit = self.demo.units.get(code)
            if (
                unit is not None
                and unit.pk != case.unit_id
                and unit.kind == UnitKind.TOWNSHIP
                and county == case.unit.code[:6]
            ):
                return unit
        return None

    def portal_review(self, case, worker, supervisor, n) -> None:
        if PortalAccount.objects.filter(person=case.person).exists():
            return
        account = checkins.open_account(
            case.person, phone=f"1390000{case.pk:04d}", password=PORTAL_PASSWORD, actor=worker
        )
        for ago in (2, 1):
            day = self.today - timedelta(days=ago)
            taken = timezone.make_aware(datetime.combine(day, time(9, 30)))
            checkins.record_checkin(
                account,
                client_id=uuid.uuid5(uuid.NAMESPACE_URL, f"jiedu-demo-{case.pk}-{day}"),
                taken_at=taken,
                photo_bytes=_photo(f"demo {day}"),
                latitude=30.5928 + n / 1000,
                longitude=114.3055 + n / 1000,
                accuracy_m=25,
            )
