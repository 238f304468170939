"""Stays in the facilities (入所 → 移送 → 出所), zone changes along the unified model's zones, the
evaluation handbook, evaluations and the proposals they lead to — rows like those the facilities
and evaluations services write. A stay still open today holds a bed of its zone (free beds are
handed out in order; a full zone leaves the bed empty)."""

from __future__ import annotations

import random

from jiedu.evaluations.models import Evaluation, Handbook, Proposal
from jiedu.facilities.models import Admission, ZoneChange

from .measures import proposal_number
from .people import RECORDER, aware
from .writer import Table

ADMISSION = Table(
    Admission,
    ("id", "person_id", "measure_id", "facility_id", "admitted_on", "pregnancy_test",
     "files_received", "zone_id", "bed_id", "left_on", "left_reason", "certificate_number",
     "created_at"),
    identity_checked=True,
    searched_by="张建华、刘志强",
    health_summary="入所体检：神志清楚，生命体征平稳（合成数据）",
)  # fmt: skip
ZONE_CHANGE = Table(
    ZoneChange,
    ("admission_id", "on", "from_zone_id", "to_zone_id", "bed_id", "reason", "stage_result",
     "evaluation_note"),
    recorded_by=RECORDER,
)  # fmt: skip
HANDBOOK = Table(Handbook, ("admission_id", "number", "opened_on"), opened_by=RECORDER)
EVALUATION = Table(
    Evaluation,
    ("id", "admission_id", "person_id", "measure_id", "kind", "evaluated_on", "detox_result",
     "recovery_result", "behaviour_result", "social_result", "passed", "opinion",
     "community_rehab_recommended", "community_rehab_years", "summary", "completed_at",
     "created_at"),
    status="completed",
    evaluator=RECORDER,
)  # fmt: skip
PROPOSAL = Table(
    Proposal,
    ("evaluation_id", "measure_id", "kind", "status", "proposed_release_on",
     "proposed_extension_months", "reasons", "committee_on", "submitted_on", "decision_due_by",
     "decided_on", "decision_number", "approved_release_on", "approved_extension_months"),
    committee_by=RECORDER,
)  # fmt: skip
OPINION_TEXT = {
    "early_release": "戒治效果良好，提出提前解除意见",
    "on_time_release": "按期解除",
    "extension": "戒治效果不佳，提出延长戒毒期限意见",
    "continue": "继续执行",
}


def emit_stays(ctx, life, pid: int, m, rng: random.Random) -> None:
    today = ctx.today
    rows = ctx.rows
    female = life.gender == "female"
    admission_ids = []
    for s, stay in enumerate(m.stays):
        aid = ctx.ids.next(Admission)
        admission_ids.append(aid)
        facility = ctx.tree.facilities[stay.facility]
        zone_ids = []
        previous = None
        for n, (day, kind) in enumerate(stay.zones):
            zone_id = facility.zones[kind][0]
            zone_ids.append(zone_id)
            rows[ZONE_CHANGE].append(
                (aid, day, previous, zone_id, None,
                 "入所分区" if n == 0 else "阶段性诊断评估合格，转入下一分区",
                 "" if n == 0 else "pass", "" if n == 0 else "阶段性评估合格")
            )  # fmt: skip
            previous = zone_id
        bed = None
        if stay.left_on is None:
            pool = facility.zones[stay.zones[-1][1]][2]
            bed = pool.pop() if pool else None
        certificate = (
            f"解戒字〔{stay.left_on.year}〕{aid}号" if stay.left_reason == "released" else ""
        )
        rows[ADMISSION].append(
            (aid, pid, m.id, facility.id, stay.admitted_on,
             ("negative" if female else "not_applicable"), s > 0, previous, bed, stay.left_on,
             stay.left_reason, certificate, aware(stay.admitted_on, 14))
        )  # fmt: skip
        opened = stay.admitted_on + ctx.days(rng, 0, 6)
        if opened <= today and (stay.left_on is None or opened <= stay.left_on):
            rows[HANDBOOK].append((aid, f"合成手册{aid}", opened))
    for ev in m.evaluations:
        eid = ctx.ids.next(Evaluation)
        aid = admission_ids[ev.stay]
        comprehensive = ev.kind in ("one_year", "pre_expiry")
        stage = not comprehensive and ev.kind != "admission"
        rehab_years = None
        if comprehensive and ev.opinion in ("early_release", "on_time_release"):
            rehab_years = rng.choice((1, 2, 3, 3, 3))
        rows[EVALUATION].append(
            (eid, aid, pid, m.id, ev.kind, ev.on,
             "pass" if comprehensive or ev.kind == "detox_stage" else "",
             "pass" if comprehensive else "", "pass" if comprehensive else "",
             rng.choice(("good", "fair")) if comprehensive else "",
             True if stage else None, ev.opinion if comprehensive else "",
             rehab_years is not None, rehab_years,
             OPINION_TEXT.get(ev.opinion, "入所调查评估完成" if ev.kind == "admission"
                              else "阶段性评估合格"),
             aware(ev.on, 16), aware(ev.on, 9))
        )  # fmt: skip
        p = ev.proposal
        if p:
            decided = p.get("decided_on")
            committee = p["committee_on"] if p["committee_on"] <= today else None
            submitted = p["submitted_on"] if p["submitted_on"] <= today else None
            status = "approved" if decided else "submitted" if submitted else "drafted"
            early = p["kind"] == "early_release"
            rows[PROPOSAL].append(
                (eid, m.id, p["kind"], status,
                 p.get("release_on") if early else None, None if early else p["months"],
                 OPINION_TEXT[ev.opinion], committee, submitted,
                 submitted + ctx.days(rng, 7, 7) if submitted else None, decided,
                 proposal_number(m, p) if decided else "",
                 p.get("release_on") if early and decided else None,
                 p["months"] if decided and not early else None)
            )  # fmt: skip
