"""Follow-up (后续照管) of the synthetic population: a plan from each release from 强戒 and each
社区戒毒 that ran its term (a 社区康复 ordered at the release runs inside the release's plan),
its visits at the default months (1, 3, 6, 12, 24, 36) and the help given.

What the visits find follows the person's history: abstinent until the next detected use (then
the plan closes with the new measure; some relapses are found by the visit itself), death or
departure abroad (a visit that finds it closes the plan), and after three years without relapse
the plan is completed (戒毒条例 Art. 7: the person leaves dynamic control)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from jiedu.aftercare.models import FollowUpPlan, FollowUpVisit, HelpRecord
from jiedu.measures.clocks import add_months

from .people import RECORDER, aware
from .writer import Table

VISIT_MONTHS = [1, 3, 6, 12, 24, 36]
PLAN_SOURCE = "默认回访计划：解除后第1、3、6、12、24、36个月（合成数据）"
EMPLOYMENT = (("employed", 35), ("self_employed", 20), ("unemployed", 35), ("unknown", 10))
FAMILY = (("stable", 50), ("strained", 20), ("alone", 15), ("hardship", 10), ("unknown", 5))
HELP_KINDS = ("job_guidance", "job_placement", "skills_training", "hardship_assistance",
              "child_schooling", "legal_aid", "medical_help", "psychological")  # fmt: skip

PLAN = Table(
    FollowUpPlan,
    ("id", "person_id", "measure_id", "unit_id", "starts_on", "status", "closed_on",
     "close_reason", "created_at"),
    visit_months=VISIT_MONTHS, plan_source=PLAN_SOURCE,
)  # fmt: skip
VISIT = Table(
    FollowUpVisit,
    ("plan_id", "person_id", "month", "due_on", "visited_on", "method", "contact_made", "status",
     "test_result", "employment", "family_situation", "visitor", "created_at"),
)  # fmt: skip
HELP = Table(
    HelpRecord,
    ("plan_id", "person_id", "kind", "given_on", "amount", "description", "created_at"),
    provider="乡镇（街道）社区戒毒康复工作站", recorded_by=RECORDER,
)  # fmt: skip


def _pick(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def emit_followups(ctx, life, pid: int, rng: random.Random) -> None:
    today = ctx.today
    rows = ctx.rows
    for f in life.followups:
        plan_id = ctx.ids.next(FollowUpPlan)
        measure = life.measures[f.measure]
        closed_on, reason, extra = None, "", None
        if f.end_event is not None:
            why, day = f.end_event
            if why == "relapse":
                closed_on, reason = day, "new_measure"
                if rng.random() < 0.25:  # the visit found it first
                    seen = max(
                        f.starts_on + timedelta(days=1), day - timedelta(days=rng.randint(2, 15))
                    )
                    extra = (seen, "relapsed", "positive", True, "home")
            else:
                seen = day + timedelta(days=rng.randint(3, 30))
                if seen <= today:
                    status = "dead" if why == "dead" else "moved_abroad"
                    closed_on, reason = seen, "dead" if why == "dead" else "moved_abroad"
                    extra = (seen, status, "not_tested", False, "informant")
        if closed_on is None:
            done = add_months(f.starts_on, VISIT_MONTHS[-1])
            if done <= today:
                closed_on, reason = done, "completed"
        rows[PLAN].append(
            (plan_id, pid, measure.id, ctx.tree.townships[f.township].id, f.starts_on,
             "closed" if closed_on else "open", closed_on, reason, aware(f.starts_on, 15))
        )  # fmt: skip
        limit = min(today, closed_on) if closed_on else today
        for month in VISIT_MONTHS:
            due = add_months(f.starts_on, month)
            if closed_on is not None and due > closed_on:
                break
            visited = None
            if due <= today and rng.random() < 0.9:
                visited = due + timedelta(days=rng.randint(-7, 10))
                visited = min(max(visited, f.starts_on + timedelta(days=1)), limit)
                if extra is not None and visited >= extra[0]:
                    visited = None  # the person was already gone or caught
            if visited is None:
                rows[VISIT].append(
                    (plan_id, pid, month, due, None, "", False, "", "not_tested", "unknown",
                     "unknown", "", aware(f.starts_on, 15))
                )  # fmt: skip
                continue
            contact = rng.random() < 0.93
            rows[VISIT].append(
                (plan_id, pid, month, due, visited,
                 rng.choice(("home", "office", "phone")) if contact else "phone", contact,
                 "abstinent" if contact else "lost_contact",
                 ("negative" if rng.random() < 0.55 else "not_tested") if contact else "not_tested",
                 _pick(rng, EMPLOYMENT) if contact else "unknown",
                 _pick(rng, FAMILY) if contact else "unknown", RECORDER, aware(visited, 16))
            )  # fmt: skip
        if extra is not None and extra[0] <= today:
            seen, status, test, contact, method = extra
            rows[VISIT].append(
                (plan_id, pid, None, None, seen, method, contact, status, test, "unknown",
                 "unknown", RECORDER, aware(seen, 16))
            )  # fmt: skip
        if rng.random() < 0.25:
            for _ in range(rng.randint(1, 2)):
                given = f.starts_on + timedelta(days=rng.randint(10, 200))
                if given > limit:
                    break
                kind = rng.choice(HELP_KINDS)
                amount = (
                    Decimal(rng.randint(5, 40) * 100) if kind == "hardship_assistance" else None
                )
                rows[HELP].append(
                    (plan_id, pid, kind, given, amount, "合成数据：帮扶记录", aware(given, 15))
                )
