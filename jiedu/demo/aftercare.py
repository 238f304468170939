"""Follow-up after release (后续照管) for the demo province.

Every release in the demo opens a follow-up plan by itself (`aftercare.services.follow_measure`);
the measure stories release people only in the last weeks, so this module first gives ten
persons without a measure an older history — 社区戒毒 that ran its three years, or 强制隔离戒毒
released at expiry — ended two to thirty-four months ago. Then the townships do their visits: each
visit that fell due is recorded a few days after its day, mostly finding the person abstinent;
some plans show a relapse, one a person who cannot be reached, one a death and one a departure
abroad (the last two end the plan), a few a visit still owed; about half have help recorded (job
guidance, hardship money, schooling, legal aid). Everything goes through the services with the
demo logins as actors, dated in the past; the random choices are seeded.

Idempotent: the histories are keyed (`IdempotencyRecord`, scope `demo.aftercare`), and a plan with
any visit recorded was done before and is left alone.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from django.db import transaction

from jiedu.aftercare import services as aftercare
from jiedu.aftercare.choices import (
    Employment,
    FamilySituation,
    HelpKind,
    PlanStatus,
    VisitMethod,
    VisitStatus,
    VisitTestResult,
)
from jiedu.aftercare.models import FollowUpPlan, FollowUpVisit, HelpRecord
from jiedu.core import idempotency
from jiedu.core.context import acting_as
from jiedu.demo import province
from jiedu.facilities import services as facilities
from jiedu.measures import services as measures
from jiedu.measures.choices import IsolationGround, MeasureKind
from jiedu.measures.clocks import add_months
from jiedu.measures.models import Measure, MethadoneTreatment
from jiedu.people.choices import PersonStatus
from jiedu.people.models import Person

SCOPE = "demo.aftercare"
WORKERS = ("demo_worker", "demo_outsider", "demo_supervisor")
LEADERS = ("demo_leader",)
MANAGE = "aftercare.manage_followup"

# (kind, months since release) of the older histories, in the order persons are given them.
# Mostly 强戒 releases: a community history plays three years of scheduled tests and talks and
# costs the load three times as much.
HISTORIES = [
    ("isolation", 34),
    ("isolation", 30),
    ("community", 26),
    ("isolation", 22),
    ("isolation", 19),
    ("isolation", 16),
    ("community", 13),
    ("isolation", 10),
    ("isolation", 6),
    ("isolation", 3),
]

# What the visits of the i-th plan (oldest first) find; the rest keep abstinent.
OUTCOMES = {
    0: "abstinent_owed",  # the last visit that fell due is still owed
    1: "relapsed",
    2: "dead",
    3: "lost_contact",
    5: "moved_abroad",
    7: "relapsed",
    9: "abstinent_owed",
}

NOTES = {
    VisitStatus.ABSTINENT: ("在家，情绪稳定，未发现吸毒迹象。", "在工地务工，家属反映表现良好。"),
    VisitStatus.RELAPSED: ("尿检阳性，本人承认近期复吸，已报告公安机关。",),
    VisitStatus.LOST_CONTACT: ("电话停机，上门未见本人，邻居称已外出多日。",),
    VisitStatus.DEAD: ("家属告知本人因病去世，已核实死亡证明。",),
    VisitStatus.MOVED_ABROAD: ("家属告知本人已出境务工，出入境记录已核实。",),
}
HELP = [
    (HelpKind.JOB_GUIDANCE, "街道就业服务站", None, "推荐参加招聘会，指导填写求职登记。"),
    (HelpKind.HARDSHIP_ASSISTANCE, "街道民政办", "800.00", "办理临时救助。"),
    (HelpKind.SKILLS_TRAINING, "区人社局职业培训中心", None, "参加电工技能培训。"),
    (HelpKind.CHILD_SCHOOLING, "街道教育办", None, "协调子女就近入学。"),
    (HelpKind.LEGAL_AID, "区法律援助中心", None, "协助处理劳动报酬纠纷。"),
    (HelpKind.JOB_PLACEMENT, "爱心企业（物流公司）", None, "安置为仓库分拣员。"),
]


class AftercareDemo:
    def __init__(self, demo):
        self.demo = demo
        self.today = demo.today

    def finish(self) -> int:
        """Play the histories not played before, then the visits and help of every open plan
        without any; returns how many plans were looked at. A plan's outcome is fixed by its
        place among all plans (oldest first), so a second run decides the same."""
        self.histories()
        order = {
            pk: n
            for n, pk in enumerate(
                FollowUpPlan.objects.order_by("starts_on", "pk").values_list("pk", flat=True)
            )
        }
        plans = list(
            FollowUpPlan.objects.filter(status=PlanStatus.OPEN)
            .exclude(pk__in=FollowUpVisit.objects.filter(visited_on__isnull=False).values("plan"))
            .exclude(pk__in=HelpRecord.objects.values("plan"))
            .select_related("person", "person__managing_unit", "unit", "measure")
            .order_by("starts_on", "pk")
        )
        for plan in plans:
            n = order[plan.pk]
            with transaction.atomic(), acting_as(self.demo.superuser):
                self.visit(plan, OUTCOMES.get(n, "abstinent"), n)
        return len(plans)

    # Older histories -------------------------------------------------------------------------

    def free_persons(self) -> list[Person]:
        """Demo persons no story gave a measure, in key order (the stories have run)."""
        busy = set(Measure.objects.values_list("person_id", flat=True)) | set(
            MethadoneTreatment.objects.values_list("person_id", flat=True)
        )
        names = Counter(Person.objects.values_list("name", "birth_date"))
        oldest_birth = add_months(self.today, -12 * 30)
        keys = dict(
            idempotency.IdempotencyRecord.objects.filter(
                user_id=self.demo.superuser.pk,
                scope="people.create_person",
                key__regex=rf"^{province.KEY_PREFIX}\d+$",
            ).values_list("result_id", "key")
        )
        persons = [
            p
            for p in Person.objects.filter(
                pk__in=[int(k) for k in keys if k],
                status=PersonStatus.ACTIVE,
                birth_date__lte=oldest_birth,
                managing_unit__code__endswith="-JDB",  # files a township keeps
            ).select_related("managing_unit", "hukou_division")
            if p.pk not in busy and names[(p.name, p.birth_date)] == 1
        ]
        persons.sort(key=lambda p: int(keys[str(p.pk)].removeprefix(province.KEY_PREFIX)))
        # Three of demo_worker's township first: its work list shows a visit owed and a relapse.
        home = province.township_office_code(province.TOWNSHIPS[0][0])
        first = [p for p in persons if p.managing_unit.code == home][:3]
        return first + [p for p in persons if p not in first]

    def histories(self) -> None:
        su = self.demo.superuser
        todo = [
            (i, story)
            for i, story in enumerate(HISTORIES)
            if idempotency.result_for_key(su, SCOPE, f"history-{i}", Person) is None
        ]
        if not todo:
            return
        free = self.free_persons()
        for (i, (kind, months)), person in zip(todo, free, strict=False):
            released = add_months(self.today, -months)
            with transaction.atomic(), acting_as(su):
                claim, _done = idempotency.claim(su, SCOPE, f"history-{i}", Person)
                if kind == "community":
                    self.community_history(person, released)
                else:
                    self.isolation_history(person, released)
                self.demo.send_notices(person, ())  # sent on time, years ago
                idempotency.complete(claim, person)

    def community_history(self, person: Person, released: date) -> None:
        """社区戒毒 reported three years before `released`, released at expiry (禁毒法 Art. 33)."""
        from jiedu.demo.measures import Community

        reported = add_months(released + timedelta(days=1), -36)
        self.demo.community(
            person,
            Community(served=reported - timedelta(days=2), reported=reported, ended=released),
        )

    def isolation_history(self, person: Person, released: date) -> None:
        """强制隔离戒毒 in the judicial facility for two years, released at expiry (禁毒法
        Art. 47)."""
        decided = add_months(released + timedelta(days=1), -24)
        organ = self.demo.units[province.deciding_organ_code(person.managing_unit.code[:6])]
        facility = self.demo.units[province.JUDICIAL_FACILITY]
        measure = measures.decide_measure(
            measures.MeasureInput(
                person=person,
                kind=MeasureKind.COMPULSORY_ISOLATION,
                decided_on=decided,
                served_on=decided,
                executing_unit=facility,
                deciding_organ=organ,
                decision_number=f"{organ.name[0]}公强戒决字〔{decided.year}〕{person.pk}号",
                ground=IsolationGround.RELAPSE,
            ),
            actor=self.demo.actor("measures.decide_measure", organ, ("demo_police",)),
        )
        leader = self.demo.actor("facilities.manage_admission", facility, LEADERS)
        stay = facilities.admit_person(
            measure,
            facility=facility,
            data=self.demo._intake(person, decided + timedelta(days=1), None),
            actor=leader,
        )
        measure.refresh_from_db()
        facilities.release_person(
            stay,
            on=measure.term_end,
            certificate_number=f"演戒解字〔{measure.term_end.year}〕{person.pk}号",
            actor=leader,
        )

    # Visits and help -------------------------------------------------------------------------

    def visit(self, plan: FollowUpPlan, outcome: str, n: int) -> None:
        rng = random.Random(f"{province.SEED}-aftercare-{plan.measure.decision_number}")
        worker = self.demo.actor(MANAGE, plan.unit, WORKERS)
        due = list(
            FollowUpVisit.objects.filter(
                plan=plan, visited_on__isnull=True, due_on__lte=self.today
            ).order_by("due_on")
        )
        if outcome == "abstinent_owed" and due:
            due = due[:-1]
        employment = rng.choice(
            (Employment.EMPLOYED, Employment.SELF_EMPLOYED, Employment.UNEMPLOYED)
        )
        family = rng.choice(
            (FamilySituation.STABLE, FamilySituation.STABLE, FamilySituation.HARDSHIP)
        )
        for k, slot in enumerate(due):
            slot.plan = plan  # read once above, with the units the permission check needs
            last = k == len(due) - 1
            status = VisitStatus.ABSTINENT
            if last and outcome in ("relapsed", "dead", "lost_contact", "moved_abroad"):
                status = VisitStatus(outcome)
            contact = status in (VisitStatus.ABSTINENT, VisitStatus.RELAPSED)
            test = VisitTestResult.NOT_TESTED
            if status == VisitStatus.RELAPSED:
                test = VisitTestResult.POSITIVE
            elif contact and rng.random() < 0.6:
                test = VisitTestResult.NEGATIVE
            method = rng.choice((VisitMethod.HOME, VisitMethod.HOME, VisitMethod.PHONE))
            if not contact:
                method = VisitMethod.INFORMANT if status != "lost_contact" else VisitMethod.PHONE
            if test != VisitTestResult.NOT_TESTED:
                method = VisitMethod.HOME
            aftercare.record_visit(
                slot,
                visited_on=min(slot.due_on + timedelta(days=rng.randint(0, 9)), self.today),
                method=method,
                contact_made=contact,
                status=status,
                test_result=test,
                employment=employment if contact else Employment.UNKNOWN,
                family_situation=family if contact else FamilySituation.UNKNOWN,
                note=rng.choice(NOTES[status]),
                actor=worker,
                external_id=f"demo-{plan.pk}-{slot.month}",
            )
        plan.refresh_from_db(fields=["status"])
        if n % 2 == 0 and plan.status == PlanStatus.OPEN:
            kind, provider, amount, text = HELP[(n // 2) % len(HELP)]
            given = plan.starts_on + timedelta(days=rng.randint(5, 40))
            if given <= self.today:
                aftercare.record_help(
                    plan,
                    kind=kind,
                    given_on=given,
                    provider=provider,
                    amount=amount,
                    description=text,
                    actor=worker,
                )
