"""Centre records and diagnostic evaluations for the demo's facility stays.

`demo.measures` plays each isolation story; at each point of a stay it calls this module:

- `admitted`: intake records (drug test, withdrawal medication and check, vital signs), the
  evaluation handbook within 7 days and the admission evaluation (domain.md §4.3);
- `leave_zone`: before a forward zone move, the records the stage needs and the stage evaluation
  of the zone being left (MODEL 2018: zones change on the strength of stage evaluations). A stage
  that does not pass keeps the person in the zone;
- `recent`: a few weeks of the five centres' records up to today for persons still in the
  judicial facility (medical checks, monthly vital signs, talks, exams, scales, fitness, weekly
  behaviour points with approved months);
- `comprehensive`: the one-year and pre-expiry evaluations of the story and the proposal's way
  through the committee and the deciding organ.

`finish` adds the facility's courses and classes once, when every story has been played.

Everything goes through the centres' and evaluations' services, with the demo logins as actors.
Dates are relative to the day of loading and never after it; a seeded generator per person keeps
the load deterministic.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING

from jiedu.centres.choices import (
    ApprovalDecision,
    ConditionKind,
    ConditionSeverity,
    CourseCategory,
    ExamSubject,
    MedicationPurpose,
    PointCategory,
    PointKind,
    PsychiatricState,
    RiskLevel,
    SampleType,
    SessionKind,
    Severity,
    TestOccasion,
    TestResult,
    TrainingKind,
)
from jiedu.centres.models import (
    CourseSession,
    Exam,
    FitnessTest,
    InstrumentResponse,
    MedicationOrder,
    PointMonth,
    VitalSigns,
)
from jiedu.centres.services import education, medical, points, psychology, training
from jiedu.evaluations import services as evaluations
from jiedu.evaluations.choices import STAGE_FOR_ZONE, EvaluationKind, Opinion
from jiedu.evaluations.models import Proposal
from jiedu.facilities.choices import ZoneKind
from jiedu.facilities.models import Admission, HomeLeave, MedicalParole
from jiedu.measures.choices import MeasureStatus
from jiedu.measures.models import Measure

if TYPE_CHECKING:  # pragma: no cover
    from jiedu.demo.measures import Isolation, _Demo

K = EvaluationKind
MEDICS = ("demo_doctor", "demo_police_facility")
OFFICERS = ("demo_facility", "demo_police_facility")
LEADERS = ("demo_leader", "demo_police_facility")
APPROVERS = ("demo_leader", "demo_captain")  # alternate: no one approves two adjacent steps
CASE_OFFICERS = ("demo_facility", "demo_captain")
DECIDERS = ("demo_police",)

RECENT_DAYS = 42  # the weeks of full records before the day of loading
OVERDUE_TALKS = 3  # persons whose officer has not talked with them for over a month
DOCTORS = ["王医生", "陈医生"]
TEACHERS = ["李建国", "周丽"]
COUNSELLORS = ["赵心怡（心理咨询师）"]
WITHDRAWAL_DRUGS = {  # by the kind of drug used: opioids get buprenorphine, the rest symptoms
    "opioid": ("盐酸丁丙诺啡舌下片", "2mg 每日一次，逐日递减"),
    "other": ("地西泮片", "5mg 每晚一次"),
}
OPIOIDS = {"heroin", "opium", "morphine", "codeine_syrup", "tramadol"}
# (category, kind, points, reason): the week-by-week entries of an ordinary month.
ENTRIES = [
    (PointCategory.DISCIPLINE, PointKind.REWARD, 3, "遵守所规队纪，内务整洁"),
    (PointCategory.EDUCATION, PointKind.REWARD, 2, "按时参加教育课，认真完成作业"),
    (PointCategory.LABOUR, PointKind.REWARD, 3, "康复劳动按时完成任务"),
    (PointCategory.REHABILITATION, PointKind.REWARD, 2, "积极参加康复训练"),
    (PointCategory.DISCIPLINE, PointKind.DEDUCTION, 2, "午休时间大声喧哗，经教育已改正"),
]
MONTHLY_ENTRY = (
    PointCategory.DISCIPLINE,
    PointKind.REWARD,
    8,
    "月度考核：遵规守纪，完成教育、劳动任务",
)
# The facility's approval chain: two steps until three months ago, then the full default chain
# (a facility's own versions, centres.services.points.set_approval_chain).
OLD_CHAIN = [{"label": "大队审批", "leader": False}, {"label": "所领导审批", "leader": True}]
# Hand scores for items no record speaks to (the evaluator's judgement from interviews).
HAND = {
    "psych_test": 20,  # 16PF: no shipped instrument, the sten score is read off the paper sheet
    "family_support": 15,
    "residence": 20,
    "employment_skills": 15,
    "community_handover": 15,
    "monthly_points": 25,
}
_TAUGHT = (ZoneKind.EDUCATION_ADAPTATION, ZoneKind.CONSOLIDATION)
# The weekly classes of the last weeks, Monday to Friday, and the zones that attend them.
WEEKLY = [
    (CourseCategory.LEGAL, _TAUGHT),
    (CourseCategory.DRUG_KNOWLEDGE, _TAUGHT),
    (CourseCategory.MENTAL_HEALTH, (*_TAUGHT, ZoneKind.SPECIAL)),
    (CourseCategory.VOCATIONAL, (ZoneKind.CONSOLIDATION, ZoneKind.RETURN_GUIDANCE)),
    (CourseCategory.RETURN_TO_SOCIETY, (ZoneKind.RETURN_GUIDANCE,)),
]
# The admission evaluation is a baseline: what is not yet shown is not yet scored as met.
ADMISSION_HAND = {
    "psych_test": 0,
    "relapse_risk_low": 0,
    "exam_pass": 0,
    "fitness": 20,
    "monthly_points": 0,
}
COURSES = [
    ("入所教育：所规队纪与戒治流程", CourseCategory.ADMISSION),
    ("法制教育：禁毒法与戒毒条例", CourseCategory.LEGAL),
    ("禁毒知识：毒品危害与防复吸", CourseCategory.DRUG_KNOWLEDGE),
    ("心理健康教育：情绪管理", CourseCategory.MENTAL_HEALTH),
    ("职业技能培训：电工基础", CourseCategory.VOCATIONAL),
    ("回归社会教育：就业与社区康复衔接", CourseCategory.RETURN_TO_SOCIETY),
]


def _relapse_answers(level: str) -> dict[int, int]:
    """Answers to the relapse-risk checklist (14 yes/no items; 13–14 protective, reversed)."""
    answers = {n: 0 for n in range(1, 15)}
    answers[13] = answers[14] = 1  # family support, a job to go to
    if level == "medium":
        for n in (1, 3, 5, 7, 9, 11):
            answers[n] = 1
    return answers


class Centres:
    def __init__(self, demo: _Demo):
        self.demo = demo
        self.today = demo.today
        self.overdue_talks = 0
        self._months: dict[int, date] = {}  # stay -> first day of the next month to approve
        self._instruments = None
        self._chains: set[int] = set()

    # Actors -----------------------------------------------------------------------------------

    def _actor(self, perm: str, stay: Admission, prefer) -> object:
        return self.demo.actor(perm, stay.facility, prefer)

    def medic(self, stay):
        return self._actor("centres.manage_record", stay, MEDICS)

    def health(self, stay):
        return self._actor("centres.manage_health", stay, MEDICS)

    def officer(self, stay):
        return self._actor("centres.manage_record", stay, OFFICERS)

    def evaluator(self, stay):
        return self._actor("evaluations.conduct_evaluation", stay, OFFICERS)

    def committee(self, stay):
        return self._actor("evaluations.approve_evaluation", stay, LEADERS)

    def _user(self, username: str):
        from jiedu.accounts.models import User

        if username not in self.demo.users:
            self.demo.users[username] = User.objects.filter(username=username).first()
        return self.demo.users[username]

    @staticmethod
    def _rng(stay: Admission) -> random.Random:
        return random.Random(f"demo-centres-{stay.person_id}-{stay.admitted_on.isoformat()}")

    def _day(self, stay: Admission, day: date) -> date:
        return max(stay.admitted_on, min(day, self.today))

    @staticmethod
    def _judicial(stay: Admission) -> bool:
        from jiedu.demo import province

        return stay.facility.code == province.JUDICIAL_FACILITY

    # Intake ------------------------------------------------------------------------------------

    def admitted(self, stay: Admission, story: Isolation, transferred: bool = False) -> None:
        """Intake records; the handbook within 7 days; the admission evaluation within 15."""
        rng = self._rng(stay)
        on = stay.admitted_on
        medic = self.medic(stay)
        person = stay.person
        drugs = set(person.drug_uses.values_list("drug_type__code", flat=True))
        medical.record_drug_test(
            stay,
            tested_on=on,
            occasion=TestOccasion.INTAKE,
            sample=SampleType.URINE,
            substances="吗啡、甲基苯丙胺、氯胺酮",
            result=TestResult.NEGATIVE if transferred else TestResult.POSITIVE,
            tester=DOCTORS[0],
            actor=medic,
        )
        if not transferred:
            drug, dose = WITHDRAWAL_DRUGS["opioid" if drugs & OPIOIDS else "other"]
            medical.record_medication(
                stay,
                drug=drug,
                purpose=MedicationPurpose.WITHDRAWAL,
                dose=dose,
                started_on=on,
                prescriber=DOCTORS[0],
                actor=medic,
            )
        medical.record_withdrawal_check(
            stay,
            checked_on=on,
            acute_symptoms=Severity.NONE if transferred else Severity.MARKED,
            protracted_symptoms=[] if transferred else ["sleep", "restlessness"],
            psychiatric_state=PsychiatricState.NONE,
            examiner=DOCTORS[0],
            actor=medic,
        )
        self._vitals(stay, on, rng)
        if self._judicial(stay):
            education.assign_case_officer(
                stay,
                officer=self._user(CASE_OFFICERS[stay.person_id % 2]),
                since=on,
                actor=self.officer(stay),
            )
        if story.paperwork == "no_handbook":
            return
        opened = on + timedelta(days=rng.randint(1, 5))
        if opened > self.today:
            return
        evaluations.open_handbook(stay, opened_on=opened, actor=self.evaluator(stay))
        evaluated = on + timedelta(days=rng.randint(8, 13))
        if story.paperwork == "no_admission_evaluation" or evaluated > self.today:
            return
        self.evaluate(stay, K.ADMISSION, evaluated, hand=ADMISSION_HAND)

    def _vitals(self, stay: Admission, on: date, rng: random.Random, normal: bool = True):
        return medical.record_vital_signs(
            stay,
            measured_on=on,
            height_cm=rng.choice((160, 165, 168, 170, 172, 175)),
            weight_kg=rng.choice((58, 62, 65, 68, 70)),
            respiration=rng.choice((14, 16, 18)),
            heart_rate=rng.choice((68, 72, 76, 80)) if normal else 108,
            systolic=rng.choice((112, 118, 122, 128)),
            diastolic=rng.choice((72, 76, 80)),
            alt=rng.choice((22, 28, 33)),
            ast=rng.choice((20, 25, 31)),
            actor=self.medic(stay),
        )

    # Stage evaluations -------------------------------------------------------------------------

    def leave_zone(self, stay: Admission, move_on: date) -> bool:
        """The stage evaluation of the zone the person is leaving, a few days before the move,
        with the records it rests on. Returns whether it passed."""
        zone = stay.zone.kind if stay.zone else None
        kind = STAGE_FOR_ZONE.get(zone)
        if kind is None:
            return True
        entered = (
            stay.zone_changes.filter(to_zone=stay.zone)
            .order_by("-on", "-id")
            .values_list("on", flat=True)
            .first()
            or stay.admitted_on
        )
        on = max(move_on - timedelta(days=3), entered)
        if kind == K.DETOX_STAGE:
            self._detox_records(stay, on)
        else:
            self.points_through(stay, on)
        if kind == K.CONSOLIDATION_STAGE:
            self._recovery_records(stay, on)
        return self.evaluate(stay, kind, on).passed

    def _detox_records(self, stay: Admission, on: date) -> None:
        medic = self.medic(stay)
        for order in MedicationOrder.objects.filter(
            admission=stay, purpose=MedicationPurpose.WITHDRAWAL, stopped_on__isnull=True
        ):
            medical.stop_medication(
                order, on=max(order.started_on, on - timedelta(days=10)), actor=medic
            )
        medical.record_drug_test(
            stay,
            tested_on=self._day(stay, on - timedelta(days=4)),
            occasion=TestOccasion.ROUTINE,
            sample=SampleType.URINE,
            substances="吗啡、甲基苯丙胺、氯胺酮",
            result=TestResult.NEGATIVE,
            tester=DOCTORS[1],
            actor=medic,
        )
        medical.record_withdrawal_check(
            stay,
            checked_on=self._day(stay, on - timedelta(days=1)),
            acute_symptoms=Severity.NONE,
            protracted_symptoms=[],
            psychiatric_state=PsychiatricState.NONE,
            examiner=DOCTORS[1],
            actor=medic,
        )

    def _instrument(self, code: str):
        if self._instruments is None:
            if psychology.current_instrument("phq9") is None:
                psychology.sync_shipped_instruments()
            self._instruments = {}
        if code not in self._instruments:
            self._instruments[code] = psychology.current_instrument(code)
        return self._instruments[code]

    def _recovery_records(self, stay: Admission, on: date, good: bool = True) -> None:
        """身心康复 records (domain.md §4.5) not older than six weeks: vital signs, a fitness
        test, the relapse-risk checklist and the theory exam."""
        rng = self._rng(stay)
        since = on - timedelta(days=RECENT_DAYS)
        officer = self.officer(stay)

        def fresh(model, field):
            return (
                model.objects.filter(admission=stay, **{f"{field}__gt": since, f"{field}__lte": on})
                .order_by(f"-{field}")
                .first()
            )

        if not fresh(VitalSigns, "measured_on"):
            self._vitals(stay, self._day(stay, on - timedelta(days=6)), rng)
        if not good or not fresh(FitnessTest, "tested_on"):
            self._fitness(stay, self._day(stay, on - timedelta(days=7)), good)
        if not good or not fresh(InstrumentResponse, "answered_on"):
            psychology.record_response(
                stay,
                instrument=self._instrument("relapse_risk"),
                answered_on=self._day(stay, on - timedelta(days=5)),
                answers=_relapse_answers("low" if good else "medium"),
                actor=officer,
            )
        if not Exam.objects.filter(
            admission=stay, subject=ExamSubject.THEORY, taken_on__gt=since, taken_on__lte=on
        ).exists():
            education.record_exam(
                stay,
                subject=ExamSubject.THEORY,
                taken_on=self._day(stay, on - timedelta(days=9)),
                score=rng.choice((68, 74, 81, 86, 92)),
                actor=officer,
            )

    def _fitness(self, stay: Admission, on: date, good: bool = True):
        return training.record_fitness_test(
            stay,
            tested_on=on,
            calisthenics_fluent=good,
            chest_expander_pulls=14 if good else 6,
            push_ups=22 if good else 8,
            sit_ups=28 if good else 10,
            sit_and_reach_cm=6,
            step_index=None,
            tester="康复训练中心 孙教练",
            actor=self.officer(stay),
        )

    def evaluate(self, stay, kind, on, *, hand=None, complete=True, **opinion):
        """Start, score what no record speaks to, and complete an evaluation."""
        actor = self.evaluator(stay)
        evaluation = evaluations.start_evaluation(stay, kind, on=on, actor=actor)
        marks = {**HAND, **(hand or {})}
        scores = {}
        for item in evaluation.items.all():
            if item.points is None:
                scores[item.code] = (marks.get(item.code, item.max_points), "")

        if scores:
            evaluation = evaluations.score_items(evaluation, scores, actor=actor)
        if not complete:
            return evaluation
        return evaluations.complete_evaluation(evaluation, actor=actor, **opinion)

    # Behaviour points --------------------------------------------------------------------------

    def points_through(self, stay: Admission, until: date, *, leave_last: bool = False) -> None:
        """Weekly points for every month of the stay that ended before `until`, each submitted
        and approved through the facility's chain. Judicial facility only (its two leaders
        approve in turn). `leave_last`: the last month stops at the third step."""
        if not self._judicial(stay):
            return
        first = self._months.get(stay.pk, points.month_start(stay.admitted_on))
        officer = self.officer(stay)
        self._ensure_chain(stay.facility)
        while points.month_end(first) < until:
            month = self._month(stay, first, points.month_end(first), officer)
            if month is not None:
                last = points.month_end(points.month_start(until) - timedelta(days=1)) == (
                    points.month_end(first)
                )
                month = points.submit_month(month, actor=officer)
                steps = len(month.chain) - 1 if leave_last and last else len(month.chain)
                for step in range(steps):
                    month = points.decide_step(
                        month,
                        decision=ApprovalDecision.APPROVE,
                        note="",
                        actor=self._user(APPROVERS[step % 2]),
                    )
            first = points.month_end(first) + timedelta(days=1)
        self._months[stay.pk] = first

    def _ensure_chain(self, facility) -> None:
        if facility.pk in self._chains:
            return
        actor = self.demo.actor("core.manage_rules", facility, ("demo_sysadmin",))
        points.set_approval_chain(
            facility,
            steps=OLD_CHAIN,
            effective_from=date(2020, 1, 1),
            source="演示：本所原行为考核两级审批（示例）",
            actor=actor,
        )
        points.set_approval_chain(
            facility,
            steps=points.DEFAULT_CHAIN,
            effective_from=points.month_start(self.today - timedelta(days=90)),
            source="演示：本所采用四级审批（domain.md §4.5 简化）",
            actor=actor,
        )
        self._chains.add(facility.pk)

    def _month(self, stay, first: date, last: date, officer):
        """Entries on the 3rd, 10th, 17th and 24th (weekly) of the month, within the stay; for
        months before the last weeks one monthly entry (keeps the load short)."""
        rng = random.Random(f"demo-points-{stay.person_id}-{first.isoformat()}")
        made = False
        weekly = last >= self.today - timedelta(days=RECENT_DAYS)
        for n, day in enumerate((3, 10, 17, 24) if weekly else (25,)):
            on = first.replace(day=day)
            if on < stay.admitted_on or on > min(last, self.today):
                continue
            if weekly:
                category, kind, value, reason = ENTRIES[n] if rng.random() > 0.15 else ENTRIES[4]
            else:
                category, kind, value, reason = MONTHLY_ENTRY
            points.record_points(
                stay,
                on=on,
                category=category,
                kind=kind,
                points=value,
                reason=reason,
                actor=officer,
            )
            made = True
        if not made:
            return None
        return PointMonth.objects.get(admission=stay, month=first)

    # The weeks before today --------------------------------------------------------------------

    def recent(self, stay: Admission, story: Isolation) -> None:
        """A few weeks of every centre's records for a person still in the judicial facility,
        up to today or the day the person went away (leave, parole, escape)."""
        stay.refresh_from_db()
        if stay.left_on is not None or not self._judicial(stay):
            return
        rng = self._rng(stay)
        until = self._present_until(stay)
        start = max(stay.admitted_on, self.today - timedelta(days=RECENT_DAYS))
        if until < start:
            return
        medic, officer = self.medic(stay), self.officer(stay)
        zone = stay.zone.kind if stay.zone else None
        # 戒毒医疗: withdrawal checks twice a week in detox, monthly vital signs, a random test.
        if zone == ZoneKind.DETOX:
            day, n = start + timedelta(days=2), 0
            while day <= until:
                medical.record_withdrawal_check(
                    stay,
                    checked_on=day,
                    acute_symptoms=Severity.MILD if n < 2 else Severity.NONE,
                    protracted_symptoms=["sleep"] if n < 4 else [],
                    psychiatric_state=PsychiatricState.NONE,
                    examiner=DOCTORS[n % 2],
                    actor=medic,
                )
                day, n = day + timedelta(days=3 if n % 2 else 4), n + 1
        elif story.evaluation != "extension":  # drugs found there: see `comprehensive`
            medical.record_drug_test(
                stay,
                tested_on=until - timedelta(days=rng.randint(3, 20)) if until > start else start,
                occasion=TestOccasion.RANDOM,
                sample=SampleType.URINE,
                substances="吗啡、甲基苯丙胺、氯胺酮",
                result=TestResult.NEGATIVE,
                tester=DOCTORS[1],
                actor=medic,
            )
        for offset in (3, 33):
            day = start + timedelta(days=offset)
            if (
                day <= until
                and not VitalSigns.objects.filter(
                    admission=stay, measured_on__gt=day - timedelta(days=20), measured_on__lte=day
                ).exists()
            ):
                self._vitals(stay, day, rng)
        if story.special_on:
            medical.record_condition(
                stay,
                kind=ConditionKind.CHRONIC,
                description="慢性肾功能不全（CKD 4期）",
                severity=ConditionSeverity.SEVERE,
                since=story.special_on - timedelta(days=3),
                actor=self.health(stay),
            )
        # 康复训练: training twice a week, a fitness test.
        day = start + timedelta(days=1)
        while day <= until and zone != ZoneKind.DETOX:
            training.record_training(
                stay,
                held_on=day,
                kind=(TrainingKind.CALISTHENICS, TrainingKind.TAICHI)[day.toordinal() % 2],
                minutes=60,
                actor=officer,
            )
            day += timedelta(days=7)
        if zone not in (ZoneKind.DETOX, ZoneKind.SPECIAL):
            self._fitness(stay, self._day(stay, until - timedelta(days=rng.randint(5, 15))))
        # 教育矫正: monthly talks with the officer in charge, a theory exam.
        self._talks(stay, start, until, rng)
        if zone != ZoneKind.DETOX and until - timedelta(days=12) >= stay.admitted_on:
            education.record_exam(
                stay,
                subject=ExamSubject.THEORY,
                taken_on=until - timedelta(days=12),
                score=rng.choice((62, 71, 78, 84, 90)),
                actor=officer,
            )
        # 心理矫治: PHQ-9, GAD-7 and the relapse-risk checklist.
        self._scales(stay, story, start, until, rng)
        # 行为考核: weekly points; last month approved (or still in approval), this one open.
        self.points_through(stay, until + timedelta(days=1), leave_last=story.points_pending)
        if until >= points.month_start(self.today):
            self._month(stay, points.month_start(self.today), until, officer)
        if story.segregated == "ends_today":
            points.record_points(
                stay,
                on=self.today - timedelta(days=4),
                category=PointCategory.DISCIPLINE,
                kind=PointKind.SERIOUS_VIOLATION,
                points=15,
                reason="与他人发生冲突并动手，已单独管理",
                actor=officer,
            )

    def _present_until(self, stay: Admission) -> date:
        measure = Measure.objects.get(pk=stay.measure_id)
        days = [self.today]
        if measure.status == MeasureStatus.ESCAPED:
            pause = measure.pauses.filter(ended_on__isnull=True).order_by("-started_on").first()
            if pause is not None:
                days.append(pause.started_on - timedelta(days=1))
        away = HomeLeave.objects.filter(admission=stay, returned_on__isnull=True)
        days += [leave.starts_on - timedelta(days=1) for leave in away]
        parole = MedicalParole.objects.filter(admission=stay, returned_on__isnull=True)
        days += [p.starts_on - timedelta(days=1) for p in parole]
        return min(days)

    def _talks(self, stay, start: date, until: date, rng) -> None:
        case = education.current_case_officer(stay)
        if case is None:
            return
        officer = self.officer(stay)
        overdue = stay.admitted_on < start and self.overdue_talks < OVERDUE_TALKS
        if overdue and until == self.today:
            self.overdue_talks += 1
            days = [start + timedelta(days=2)]
        else:
            days = [until - timedelta(days=rng.randint(1, 6))]
            days.append(days[0] - timedelta(days=29))
        topics = [
            ("戒治动机", "谈及家人探视后的想法，表示要坚持戒治，出所后回家乡工作。"),
            ("情绪与睡眠", "近期睡眠好转，情绪平稳；提醒按时参加心理健康课。"),
        ]
        for n, day in enumerate(sorted(d for d in days if start <= d <= until)):
            topic, summary = topics[n % 2]
            education.record_talk(
                stay, officer=case.officer, held_on=day, topic=topic, summary=summary, actor=officer
            )

    def _scales(self, stay, story, start: date, until: date, rng) -> None:
        officer = self.officer(stay)
        day = self._day(stay, min(until, start + timedelta(days=rng.randint(4, 12))))
        phq = {n: rng.choice((0, 0, 1)) for n in range(1, 10)}
        phq[9] = 0
        if story.evaluation == "crisis":
            phq = {n: 2 for n in range(1, 10)}
            phq[9] = 1
        psychology.record_response(
            stay, instrument=self._instrument("phq9"), answered_on=day, answers=phq, actor=officer
        )
        if story.evaluation == "crisis":
            psychology.start_crisis_intervention(
                stay,
                started_on=day,
                trigger="PHQ-9第9题阳性，自述近两周有轻生念头",
                risk_level=RiskLevel.HIGH,
                actions="专人看护，心理咨询师当日评估，通知分管民警与所领导，每日随访。",
                actor=officer,
            )
            psychology.record_counselling(
                stay,
                held_on=day,
                kind=SessionKind.INDIVIDUAL,
                counsellor=COUNSELLORS[0],
                minutes=50,
                summary="危机评估：有消极念头、无具体计划；建立安全约定，安排每日随访。",
                actor=officer,
            )
        gad = {n: rng.choice((0, 1, 1)) for n in range(1, 8)}
        psychology.record_response(
            stay, instrument=self._instrument("gad7"), answered_on=day, answers=gad, actor=officer
        )
        if stay.zone and stay.zone.kind != ZoneKind.DETOX:
            level = "medium" if story.evaluation == "extension_today" else "low"
            psychology.record_response(
                stay,
                instrument=self._instrument("relapse_risk"),
                answered_on=self._day(stay, day + timedelta(days=1)),
                answers=_relapse_answers(level),
                actor=officer,
            )

    # Comprehensive evaluations and proposals ----------------------------------------------------

    def comprehensive(self, stay: Admission, story: Isolation) -> None:
        """The story's one-year and pre-expiry evaluations (禁毒法 Art. 47; domain.md §4.3) and
        the proposal through the committee and the deciding organ (戒毒条例 Art. 33)."""
        stay.refresh_from_db()
        if not self._judicial(stay) or stay.left_on is not None:
            return
        measure = Measure.objects.get(pk=stay.measure_id)
        what = story.evaluation

        def day(n: int) -> date:  # n days from today (negative: before)
            return self.today + timedelta(days=n)

        if story.release == "early":
            out = story.released_on
            self._one_year(
                stay,
                out - timedelta(days=25),
                "early",
                release_on=out,
                committee=out - timedelta(days=21),
                organ=out - timedelta(days=17),
            )
        elif what == "early_approved":  # the organ's notice to the family is overdue
            self._one_year(
                stay, day(-21), "early", release_on=day(40), committee=day(-17), organ=day(-12)
            )
        elif what == "early_today":  # decided today: the notice is due tomorrow
            self._one_year(
                stay, day(-6), "early", release_on=day(25), committee=day(-2), organ=day(0)
            )
        elif what == "early_submitted":  # the organ's 7 days are running
            self._one_year(stay, day(-4), "early", release_on=day(14), committee=day(-2))
        elif what == "one_year_draft":
            self.points_through(stay, day(-1))
            self._recovery_records(stay, day(-1))
            self.evaluate(stay, K.ONE_YEAR, day(-1), complete=False)
        elif what == "continue":
            on = max(measure.early_release_from, stay.admitted_on) + timedelta(days=3)
            self._one_year(stay, min(on, self.today), "continue")
        elif what == "extension":
            # 司法部令第127号 Art. 29: drugs found in the facility — no early release, and a
            # ground for extension at the pre-expiry evaluation.
            self._one_year(stay, measure.early_release_from + timedelta(days=4), "continue")
            self._pre_expiry(
                stay,
                measure.term_end - timedelta(days=30),
                extension=3,
                committee=day(-12),
                organ=day(-8),
            )
        elif what == "extension_today":  # recovery not reached: extended today
            self._pre_expiry(
                stay, day(-3), extension=2, good=False, committee=day(-1), organ=day(0)
            )
        elif what == "on_time" or story.release == "expiry":
            on = measure.term_end - timedelta(days=28)
            if on <= self.today:
                self._pre_expiry(stay, on, rehab_years=story.rehab_months // 12 or None)

    def drugs_found(self, stay: Admission, on: date) -> None:
        """所内吸毒: a positive random test; the medical service adds the DRUGS_IN_FACILITY
        blocker (司法部令第127号 Art. 29)."""
        medical.record_drug_test(
            stay,
            tested_on=on,
            occasion=TestOccasion.RANDOM,
            sample=SampleType.URINE,
            substances="甲基苯丙胺",
            result=TestResult.POSITIVE,
            tester=DOCTORS[1],
            actor=self.medic(stay),
        )

    def _one_year(self, stay, on, opinion, *, release_on=None, committee=None, organ=None):
        self.points_through(stay, on)
        self._recovery_records(stay, on)
        if opinion == "early":
            evaluation = self.evaluate(
                stay,
                K.ONE_YEAR,
                on,
                opinion=Opinion.EARLY_RELEASE,
                proposed_release_on=release_on,
                summary="一年来遵规守纪，戒治效果良好，三项评估均合格，建议提前解除。",
            )
        else:
            evaluation = self.evaluate(
                stay,
                K.ONE_YEAR,
                on,
                opinion=Opinion.CONTINUE,
                summary="有不得提前解除的情形，继续执行。",
            )
        self._decide(stay, evaluation, committee, organ)

    def _pre_expiry(
        self, stay, on, *, extension=None, rehab_years=None, good=True, committee=None, organ=None
    ):
        self.points_through(stay, on)
        self._recovery_records(stay, on, good=good)
        if extension:
            evaluation = self.evaluate(
                stay,
                K.PRE_EXPIRY,
                on,
                opinion=Opinion.EXTENSION,
                extension_months=extension,
                summary="戒治效果未达标，建议延长戒毒期限。",
            )
        else:
            evaluation = self.evaluate(
                stay,
                K.PRE_EXPIRY,
                on,
                opinion=Opinion.ON_TIME_RELEASE,
                community_rehab_years=rehab_years,
                summary="期满按期解除" + ("，建议责令社区康复。" if rehab_years else "。"),
            )
        self._decide(stay, evaluation, committee, organ)

    def _decide(self, stay, evaluation, committee: date | None, organ: date | None) -> None:
        proposal = Proposal.objects.filter(evaluation=evaluation).first()
        if proposal is None or committee is None:
            return
        proposal = evaluations.decide_in_committee(
            proposal, approve=True, on=committee, actor=self.committee(stay), note=""
        )
        if organ is None:
            return
        measure = Measure.objects.select_related("deciding_organ").get(pk=stay.measure_id)
        word = "提前解除" if proposal.kind == "early_release" else "延长"
        evaluations.decide_proposal(
            proposal,
            approve=True,
            decided_on=organ,
            decision_number=f"{word}决字〔{organ.year}〕{stay.person_id}号",
            actor=self.demo.actor("evaluations.decide_proposal", measure.deciding_organ, DECIDERS),
        )

    # Courses ------------------------------------------------------------------------------------

    def finish(self) -> None:
        """The judicial facility's courses and their classes (with attendance), once: entry
        education for each stay's first month, weekly classes in the last weeks, return-to-
        society classes for those near release (司法部令第127号 Art. 45, 51)."""
        from jiedu.demo import province

        facility = self.demo.units[province.JUDICIAL_FACILITY]
        if CourseSession.objects.filter(course__facility=facility).exists():
            return
        actor = self.demo.actor("centres.manage_record", facility, OFFICERS)
        courses = {
            category: education.add_course(facility, title=title, category=category, actor=actor)
            for title, category in COURSES
        }
        stays = list(
            Admission.objects.filter(facility=facility, left_on__isnull=True)
            .select_related("person", "measure", "zone")
            .order_by("pk")
        )
        present = {s.pk: self._present_until(s) for s in stays}
        classes: dict[tuple[str, date], list[Admission]] = defaultdict(list)
        for stay in stays:
            for day in (stay.admitted_on + timedelta(days=3), stay.admitted_on + timedelta(34)):
                if day <= present[stay.pk]:
                    classes[(CourseCategory.ADMISSION, day)].append(stay)
        start = self.today - timedelta(days=RECENT_DAYS)
        for week in range(RECENT_DAYS // 7):
            monday = start + timedelta(days=7 * week + 1)
            for n, (category, zones) in enumerate(WEEKLY):
                day = monday + timedelta(days=n)
                for stay in stays:
                    zone = stay.zone.kind if stay.zone else None
                    if zone in zones and stay.admitted_on <= day <= present[stay.pk]:
                        classes[(category, day)].append(stay)
        for (category, day), attendees in sorted(classes.items(), key=lambda kv: kv[0][1]):
            if day > self.today:
                continue
            education.record_session(
                courses[category],
                held_on=day,
                hours=2,
                teacher=TEACHERS[day.toordinal() % 2],
                topic="",
                attendees=[(s, None) for s in attendees],
                actor=actor,
            )


__all__ = ["Centres"]
