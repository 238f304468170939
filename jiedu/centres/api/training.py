"""/api/v1/centres/stays/{stay_id}/training: the rehabilitation-training centre's records of one
stay. Scope as on the pages (404 alike for missing and forbidden); every call is logged."""

from ninja import Router, Status

from jiedu.core.api import INVALID, UNAUTHENTICATED, ErrorOut
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction

from ..access import get_stay_for_user
from ..models import FitnessTest, TrainingSession
from ..schemas import TrainingFileOut
from .medical import record_meta, stay_ref

router = Router()


def _float(value):
    return None if value is None else float(value)


@router.get(
    "/stays/{stay_id}/training",
    response={200: TrainingFileOut, 404: ErrorOut, **UNAUTHENTICATED, **INVALID},
    summary="The rehabilitation-training centre's file of one stay",
    description="Fitness tests, each item graded against the standard for the person's sex "
    "and age, with `passed` = 身心康复 item 2; and training sessions; newest first. 404 both "
    "when there is no such stay and when the caller may not see its centre records. Every call "
    "is written to the access log.",
)
def get_training_file(request, stay_id: int):
    user = request.auth
    stay = get_stay_for_user(user, stay_id)
    log_access(AccessAction.VIEW_PERSON, user=user, person_pk=stay.person_id, channel="api")
    return Status(
        200,
        {
            "stay": stay_ref(stay),
            "fitness_tests": [
                {
                    **record_meta(t),
                    "tested_on": t.tested_on,
                    "calisthenics_fluent": t.calisthenics_fluent,
                    "chest_expander_pulls": t.chest_expander_pulls,
                    "push_ups": t.push_ups,
                    "sit_ups": t.sit_ups,
                    "sit_and_reach_cm": _float(t.sit_and_reach_cm),
                    "step_index": _float(t.step_index),
                    "grades": t.grades,
                    "passed": t.passed,
                    "tester": t.tester,
                }
                for t in FitnessTest.objects.restrict(user, "view").filter(admission=stay)
            ],
            "sessions": [
                {
                    **record_meta(s),
                    "held_on": s.held_on,
                    "kind": s.kind,
                    "minutes": s.minutes,
                    "note": s.note,
                }
                for s in TrainingSession.objects.restrict(user, "view").filter(admission=stay)
            ],
        },
    )
