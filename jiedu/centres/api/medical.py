"""/api/v1/centres/stays/{stay_id}/medical and …/drug-tests: the medical centre's records of one
stay, and drug-test results sent by devices or other systems.

Scope as on the pages: 404 alike for a missing stay and one outside the caller's centres
permission; screenings and conditions only with centres.view_health. Every read of the records
is written to the access log.
"""

from ninja import Router, Status

from jiedu.core import clock
from jiedu.core.api import INVALID, MALFORMED_BODY, UNAUTHENTICATED, ErrorOut
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm

from ..access import get_stay_for_user
from ..models import (
    FacilityDrugTest,
    HealthCondition,
    InfectionScreening,
    MedicationOrder,
    VitalSigns,
    WithdrawalCheck,
)
from ..schemas import DrugTestIn, DrugTestList, DrugTestOut, MedicalFileOut
from ..services import medical as services

router = Router()

READ = {404: ErrorOut, **UNAUTHENTICATED, **INVALID}


def stay_ref(stay) -> dict:
    return {
        "stay_id": stay.pk,
        "person": stay.person.uuid,
        "person_name": stay.person.name,
        "facility": stay.facility.code,
        "admitted_on": stay.admitted_on,
        "left_on": stay.left_on,
    }


def record_meta(r) -> dict:
    return {"id": r.pk, "recorded_by": r.recorded_by, "created_at": r.created_at}


def drug_test_out(t: FacilityDrugTest) -> dict:
    return {
        **record_meta(t),
        "tested_on": t.tested_on,
        "occasion": t.occasion,
        "sample": t.sample,
        "substances": t.substances,
        "result": t.result,
        "tester": t.tester,
        "external_id": t.external_id,
        "use_in_facility": services.is_use_in_facility(t),
    }


def _read(request, stay_id: int):
    stay = get_stay_for_user(request.auth, stay_id)
    log_access(AccessAction.VIEW_PERSON, user=request.auth, person_pk=stay.person_id, channel="api")
    return stay


@router.get(
    "/stays/{stay_id}/medical",
    response={200: MedicalFileOut, **READ},
    summary="The medical centre's file of one stay",
    description="Medication, withdrawal checks, vital signs (with `in_range` for 身心康复 item "
    "1) and drug tests of one stay, newest first; infectious screening and conditions only "
    "with centres.view_health (null otherwise). 404 both when there is no such stay and when "
    "the caller may not see its centre records. Every call is written to the access log.",
)
def get_medical_file(request, stay_id: int):
    user = request.auth
    stay = _read(request, stay_id)
    ranges = services.normal_ranges(stay.facility, clock.today())
    sex = stay.person.gender
    body = {
        "stay": stay_ref(stay),
        "medications": [
            {
                **record_meta(m),
                "drug": m.drug,
                "purpose": m.purpose,
                "dose": m.dose,
                "started_on": m.started_on,
                "stopped_on": m.stopped_on,
                "prescriber": m.prescriber,
            }
            for m in MedicationOrder.objects.restrict(user, "view").filter(admission=stay)
        ],
        "withdrawal_checks": [
            {
                **record_meta(c),
                "checked_on": c.checked_on,
                "acute_symptoms": c.acute_symptoms,
                "protracted_symptoms": list(c.protracted_symptoms),
                "psychiatric_state": c.psychiatric_state,
                "examiner": c.examiner,
                "note": c.note,
            }
            for c in WithdrawalCheck.objects.restrict(user, "view").filter(admission=stay)
        ],
        "vital_signs": [
            {
                **record_meta(v),
                "measured_on": v.measured_on,
                "height_cm": float(v.height_cm),
                "weight_kg": float(v.weight_kg),
                "bmi": v.bmi,
                "respiration": v.respiration,
                "heart_rate": v.heart_rate,
                "systolic": v.systolic,
                "diastolic": v.diastolic,
                "alt": v.alt,
                "ast": v.ast,
                "in_range": services.vitals_in_range(v, sex, ranges),
            }
            for v in VitalSigns.objects.restrict(user, "view").filter(admission=stay)
        ],
        "drug_tests": [
            drug_test_out(t)
            for t in FacilityDrugTest.objects.restrict(user, "view").filter(admission=stay)
        ],
        "screenings": None,
        "conditions": None,
        "needs_special_zone": None,
    }
    if has_perm(user, "centres.view_health", stay.facility):
        body["screenings"] = [
            {
                **record_meta(s),
                "screened_on": s.screened_on,
                "disease": s.disease,
                "result": s.result,
                "method": s.method,
            }
            for s in InfectionScreening.objects.restrict(user, "view").filter(admission=stay)
        ]
        body["conditions"] = [
            {
                **record_meta(c),
                "kind": c.kind,
                "description": c.description,
                "severity": c.severity,
                "since": c.since,
                "resolved_on": c.resolved_on,
            }
            for c in HealthCondition.objects.restrict(user, "view").filter(admission=stay)
        ]
        body["needs_special_zone"] = services.needs_special_zone(stay)
    return Status(200, body)


@router.get(
    "/stays/{stay_id}/drug-tests",
    response={200: DrugTestList, **READ},
    summary="Drug tests of one stay",
    description="Newest first. 404 both when there is no such stay and when the caller may not "
    "see its centre records. Every call is written to the access log.",
)
def list_drug_tests(request, stay_id: int):
    stay = _read(request, stay_id)
    tests = FacilityDrugTest.objects.restrict(request.auth, "view").filter(admission=stay)
    return Status(200, {"stay": stay_ref(stay), "items": [drug_test_out(t) for t in tests]})


@router.post(
    "/stays/{stay_id}/drug-tests",
    response={
        201: DrugTestOut,
        200: DrugTestOut,
        403: ErrorOut,
        404: ErrorOut,
        **MALFORMED_BODY,
        **UNAUTHENTICATED,
        **INVALID,
    },
    summary="Record a drug test in the facility",
    description="所内毒品检测, from staff or a testing device. A positive or refused result "
    "after intake (`occasion` other than `intake`) means drugs in the facility: it bars early "
    "release and is a ground for extension (司法部令第127号 Art. 29), so the measure gains the "
    "bar `drugs_in_facility`. Sending the same `external_id` again returns the test already "
    "recorded (200) instead of a second one (201). 404 when the stay is missing or outside the "
    "caller's scope; 403 when the caller may see but not record centre records; 422 with the "
    "refusal's `code` (`future_date`, `before_admission`, `after_leaving`).",
)
def create_drug_test(request, stay_id: int, payload: DrugTestIn):
    stay = get_stay_for_user(request.auth, stay_id)
    external_id = payload.external_id.strip()
    known = bool(external_id) and (
        FacilityDrugTest.objects.filter(admission=stay, external_id=external_id).exists()
    )
    test = services.record_drug_test(
        stay,
        tested_on=payload.tested_on,
        occasion=payload.occasion,
        sample=payload.sample,
        substances=payload.substances,
        result=payload.result,
        tester=payload.tester,
        external_id=external_id,
        actor=request.auth,
    )
    return Status(200 if known else 201, drug_test_out(test))
