"""/api/v1/drug-tests: community drug tests from a device or another system, and the tests of
one community measure.

Scope as on the pages: 404 alike for a missing measure, one outside the caller's scope and one
without a community case. The same `external_id` again returns the first test (200). Every read
of a person's tests is written to the access log.
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import Field as NField
from ninja import Query, Router, Schema, Status

from jiedu.core.api import INVALID, MALFORMED_BODY, UNAUTHENTICATED, ErrorOut
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.refusals import Refusal

from ..access import MAX_PK, get_case_for_user
from ..models import CommunityCase, CommunityDrugTest
from ..services import drug_tests as services
from .schemas_drug_tests import DrugTestCreated, DrugTestIn, DrugTestList

router = Router(tags=["community"])


class ListParams(Schema):
    measure: int = NField(ge=1, le=MAX_PK, description="Id of the community measure")
    limit: int = NField(50, ge=1, le=200)
    offset: int = NField(0, ge=0, le=10_000_000)


def _case_for_measure(user, measure_id: int, perm: str = "community.view_case") -> CommunityCase:
    """The community case of measure `measure_id`, if `user` may see it; 404 otherwise."""
    if not 0 < measure_id <= MAX_PK:
        raise Http404("measure id out of range")
    pk = (
        CommunityCase.objects.restrict(user, "view")
        .filter(measure_id=measure_id)
        .values_list("pk", flat=True)
        .first()
    )
    if pk is None:
        raise Http404("no community case for this measure in scope")
    return get_case_for_user(user, pk, perm)


def drug_test_out(t: CommunityDrugTest) -> dict:
    return {
        "id": t.pk,
        "measure": t.measure_id,
        "case": t.case_id,
        "person": t.person.uuid,
        "person_name": t.person.name,
        "taken_on": t.taken_on,
        "sample": t.sample,
        "tier": t.tier,
        "result": t.result,
        "results": dict(t.results),
        "kit": t.kit,
        "cutoff": t.cutoff,
        "institution": t.institution,
        "staff": [s for s in (t.staff_1, t.staff_2) if s],
        "bottle_a": t.bottle_a,
        "bottle_b": t.bottle_b,
        "retain_until": t.retain_until,
        "bottles_disposed_on": t.bottles_disposed_on,
        "objection_due_by": t.objection_due_by,
        "objection_on": t.objection_on,
        "hair_segment_cm": t.hair_segment_cm,
        "use_window_from": t.use_window_from,
        "checks": t.checks_id,
        "note": t.note,
        "external_id": t.external_id,
        "recorded_by": t.recorded_by,
        "created_at": t.created_at,
    }


# The service names the staff fields as the model does; the request has one list.
RENAMED = {"staff_1": "staff", "staff_2": "staff"}


def _renamed(exc: Refusal) -> Refusal:
    if exc.refusal_field not in RENAMED:
        return exc
    return Refusal(
        exc.refusal_message,
        code=exc.refusal_code,
        params=exc.refusal_params,
        field=RENAMED[exc.refusal_field],
    )


def _checked_test(case: CommunityCase, pk: int | None) -> CommunityDrugTest | None:
    if pk is None:
        return None
    test = CommunityDrugTest.objects.filter(case=case, pk=pk).first() if pk <= MAX_PK else None
    if test is None:
        raise Refusal(
            _("所复核的检测不存在或不属于本个案。"),
            code="unknown_test",
            field="checks",
        )
    return test


@router.post(
    "",
    response={
        201: DrugTestCreated,
        200: DrugTestCreated,
        403: ErrorOut,
        404: ErrorOut,
        **MALFORMED_BODY,
        **UNAUTHENTICATED,
        **INVALID,
    },
    summary="Record a community drug test",
    description="吸毒检测 during 社区戒毒 or 社区康复, from the township's staff or a testing "
    "device. A taken sample needs two different staff (吸毒检测程序规定 Art. 8); a positive "
    "on-site urine, saliva or blood sample needs A and B bottle numbers, kept until "
    "`retain_until` (6 months); positive on-site and lab results open a 3-day objection window "
    "(`objection_due_by`, Art. 12, 15); positive hair gives the window of use "
    "(`use_window_from`, 6 months). A positive result opens a referral to the police for "
    "suspected use during the measure (JX §五(七)3); a refused or evaded test counts toward a "
    "serious breach (戒毒条例 Art. 20: 3 or more), reported in `serious_breach` with the "
    "`referral`. A negative lab test or re-test that `checks` a positive result clears it and "
    "raises nothing. Sending the same `external_id` again returns the test already recorded "
    "(200) instead of a second one (201). 404 when the measure is missing, outside the "
    "caller's scope or has no community case; 403 when the caller may see but not record "
    "tests; 422 with the refusal's `code` and `field` (e.g. `two_staff_required`, "
    "`bottles_required`, `results_mismatch`, `same_institution`, `hair_segment_too_long`, "
    "`future_date`, `case_not_active`, `external_id_conflict`).",
)
def create_drug_test(request, payload: DrugTestIn):
    user = request.auth
    case = _case_for_measure(user, payload.measure)
    staff = [*payload.staff, ""]
    try:
        test = services.record_drug_test(
            case,
            taken_on=payload.taken_on,
            sample=payload.sample,
            tier=payload.tier,
            result=payload.result,
            results=dict(payload.results),
            kit=payload.kit,
            cutoff=payload.cutoff,
            institution=payload.institution,
            staff_1=staff[0],
            staff_2=staff[1],
            bottle_a=payload.bottle_a,
            bottle_b=payload.bottle_b,
            hair_segment_cm=payload.hair_segment_cm,
            checks=_checked_test(case, payload.checks),
            note=payload.note,
            external_id=payload.external_id,
            actor=user,
        )
    except Refusal as exc:
        raise _renamed(exc) from exc
    serious = (
        CommunityCase.objects.filter(pk=case.pk).values_list("serious_breach_since", flat=True)
    ).first()
    body = {
        **drug_test_out(test),
        "serious_breach": serious is not None,
        "referral": test.referral.pk if test.referral is not None else None,
    }
    return Status(200 if test.replayed else 201, body)


@router.get(
    "",
    response={200: DrugTestList, 404: ErrorOut, **UNAUTHENTICATED, **INVALID},
    summary="Drug tests of one community measure",
    description="Newest first; `count` is the number of tests, `items` one page of them. 404 "
    "when the measure is missing, outside the caller's scope or has no community case. Every "
    "call is written to the access log.",
)
def list_drug_tests(request, params: Query[ListParams]):
    user = request.auth
    case = _case_for_measure(user, params.measure)
    log_access(AccessAction.VIEW_PERSON, user=user, person_pk=case.person_id, channel="api")
    tests = CommunityDrugTest.objects.restrict(user, "view").filter(case=case)
    count = tests.count()
    rows = tests.select_related("person").order_by("-taken_on", "-id")[
        params.offset : params.offset + params.limit
    ]
    return Status(200, {"items": [drug_test_out(t) for t in rows], "count": count})
