"""心理矫治中心: instruments as data (shipped by the data migration, added by administrators),
responses scored by the engine with known PHQ-9 answers and the item-9 alert on the timeline,
counselling and crisis intervention (司法部令第127号 Art. 39), the work page, the answer sheet,
the instruments page, the API, scope and query counts."""

from __future__ import annotations

import copy
import itertools
import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from jiedu.accounts.services import issue_token
from jiedu.centres import scoring
from jiedu.centres.models import CrisisIntervention, Instrument, InstrumentResponse
from jiedu.centres.services import psychology as psy
from jiedu.core.refusals import Refusal
from jiedu.facilities import services as facilities
from jiedu.measures import services as measures
from jiedu.measures.choices import IsolationGround, MeasureKind
from jiedu.people.models import PersonEvent
from jiedu.testing.cast import make_person
from jiedu.utilities import resident_id

pytestmark = pytest.mark.django_db

D = date.fromisoformat
_numbers = itertools.count(500)

# PHQ-9 (Kroenke 2001): the sum of items 1–9, bands 0–4/5–9/10–14/15–19/20–27; item 9 ≥ 1 is
# thoughts of death or self-harm.
PHQ9_MODERATE_WITH_ITEM9 = {1: 1, 2: 2, 3: 1, 4: 2, 5: 1, 6: 2, 7: 1, 8: 1, 9: 1}  # 12
PHQ9_MINIMAL = {n: 0 for n in range(1, 10)} | {3: 1, 4: 1}  # 2

PF16 = {
    "code": "pf16",
    "version": 1,
    "name_zh": "卡特尔16种人格因素测验（结果录入）",
    "name_en": "Cattell 16PF (results entry)",
    "source": "本所心理中心",
    "licence": "结果录入，不含题目",
    "mode": "results",
    "results": [
        {"code": "a", "name_zh": "乐群性", "name_en": "Warmth", "min": 1, "max": 10},
        {"code": "c", "name_zh": "稳定性", "name_en": "Emotional stability", "min": 1, "max": 10},
    ],
    "total": {"method": "mean", "items": ["a", "c"]},
    "bands": [],
}


def at(day):
    return time_machine.travel(D(day) if isinstance(day, str) else day, tick=False)


def admitted(cast, day="2024-03-01", name="李四", facility=None, officer=None):
    n = next(_numbers)
    birth = D("1988-02-03")
    person = make_person(
        cast.worker_a,
        cast.township_a,
        f"{name}{n}",
        birth,
        "male",
        id_number=resident_id.build("990102", birth, (n % 499) * 2 + 1),
    )
    facility = facility or cast.facility
    with at(day):
        measure = measures.decide_measure(
            measures.MeasureInput(
                person=person,
                kind=MeasureKind.COMPULSORY_ISOLATION,
                decided_on=D(day),
                served_on=D(day),
                executing_unit=facility,
                deciding_organ=cast.deciding_organ,
                decision_number=f"江公强戒决字〔2024〕{n}号",
                ground=IsolationGround.RELAPSE,
            ),
            actor=cast.police,
        )
        return facilities.admit_person(
            measure,
            facility=facility,
            data=facilities.IntakeInput(
                on=D(day), identity_checked=True, searched_by=["民警甲", "民警乙"]
            ),
            actor=officer or cast.facility_officer,
        )


def phq9():
    return Instrument.objects.get(code="phq9", version=1)


def respond(cast, stay, answers, day="2024-03-10", instrument=None, **extra):
    with at(day):
        return psy.record_response(
            stay,
            instrument=instrument or phq9(),
            answered_on=D(day),
            answers=answers,
            actor=cast.facility_officer,
            **extra,
        )


def refusal_code(exc_info):
    return exc_info.value.refusal_code


# --- Instruments -------------------------------------------------------------------------------


def test_the_data_migration_loads_the_shipped_instruments(db):
    shipped = {d["code"]: d for d in scoring.shipped_definitions()}
    rows = {i.code: i for i in Instrument.objects.filter(shipped=True)}
    assert set(rows) == set(shipped) and "phq9" in rows and "relapse_risk" in rows
    assert rows["phq9"].definition == shipped["phq9"]
    assert rows["phq9"].name == shipped["phq9"]["name_zh"]


def test_syncing_shipped_instruments_is_idempotent_and_adds_new_versions(db, monkeypatch):
    count = Instrument.objects.count()
    psy.sync_shipped_instruments()
    assert Instrument.objects.count() == count
    newer = copy.deepcopy(scoring.shipped_definition("phq9")) | {"version": 2}
    originals = scoring.shipped_definitions()
    monkeypatch.setattr(scoring, "shipped_definitions", lambda: [*originals, newer])
    psy.sync_shipped_instruments()
    assert Instrument.objects.count() == count + 1
    assert psy.current_instrument("phq9").version == 2
    assert Instrument.objects.get(code="phq9", version=1).shipped


def test_an_administrator_adds_an_instrument_once(cast):
    first = psy.add_instrument(PF16, actor=cast.facility_leader)
    again = psy.add_instrument(copy.deepcopy(PF16), actor=cast.facility_leader)
    assert first.pk == again.pk and not first.shipped and first.name == PF16["name_zh"]
    changed = copy.deepcopy(PF16)
    changed["results"][0]["max"] = 9
    with pytest.raises(Refusal) as info:
        psy.add_instrument(changed, actor=cast.facility_leader)
    assert refusal_code(info) == "instrument_version_exists"
    assert psy.add_instrument(changed | {"version": 2}, actor=cast.facility_leader).version == 2


def test_adding_an_instrument_needs_the_permission(cast):
    for user in (cast.facility_officer, cast.outsider, cast.medic):
        with pytest.raises(PermissionDenied):
            psy.add_instrument(PF16, actor=user)


def test_a_bad_definition_is_refused_with_every_problem(cast):
    bad = copy.deepcopy(PF16) | {"code": "16-PF", "colour": "red"}
    with pytest.raises(Refusal) as info:
        psy.add_instrument(bad, actor=cast.facility_leader)
    assert refusal_code(info) == "invalid_definition"
    errors = info.value.error_dict["definition"]
    assert len(errors) >= 2
    text = " ".join(e.message for e in errors)
    assert "colour" in text and "slug" in text and "未知字段" in text
    with pytest.raises(Refusal):
        psy.add_instrument(["not", "an", "object"], actor=cast.facility_leader)


# --- Responses ---------------------------------------------------------------------------------


def test_phq9_answers_score_to_the_known_total_band_and_item9_alert(cast):
    stay = admitted(cast)
    response = respond(cast, stay, PHQ9_MODERATE_WITH_ITEM9)
    assert response.raw_score == Decimal("12.00") and response.standard_score is None
    assert (response.band, response.band_label) == ("moderate", "中度抑郁")
    assert [a["code"] for a in response.alerts] == ["suicide_ideation"]
    assert response.alerts[0]["item"] == 9
    assert response.answers == {str(k): v for k, v in PHQ9_MODERATE_WITH_ITEM9.items()}
    event = PersonEvent.objects.get(person=stay.person, code="centres.response.alerted")
    assert event.data["instrument"] == phq9().name and event.data["on"] == "2024-03-10"
    assert "中度抑郁" in event.data["band"] and "第9题阳性" in event.data["band"]
    assert psy.latest_response(stay, "phq9").pk == response.pk


def test_a_severe_phq9_raises_the_band_alert_too(cast):
    stay = admitted(cast)
    response = respond(cast, stay, {n: 3 for n in range(1, 10)})
    assert response.raw_score == 27 and response.band == "severe"
    assert {a["code"] for a in response.alerts} == {"suicide_ideation", "band_severe"}


def test_a_response_without_alerts_writes_no_event(cast):
    stay = admitted(cast)
    response = respond(cast, stay, PHQ9_MINIMAL)
    assert response.raw_score == 2 and response.band == "minimal" and response.alerts == []
    assert not PersonEvent.objects.filter(code="centres.response.alerted").exists()


def test_a_results_mode_instrument_stores_the_entered_scores(cast):
    stay = admitted(cast)
    pf16 = psy.add_instrument(PF16, actor=cast.facility_leader)
    response = respond(cast, stay, {"a": 8, "c": 7}, instrument=pf16)
    assert response.raw_score == Decimal("7.50") and response.band == ""
    assert psy.latest_response(stay, "pf16").pk == response.pk
    assert psy.latest_response(stay, "phq9") is None


def test_the_same_external_id_returns_the_first_response(cast):
    stay = admitted(cast)
    first = respond(cast, stay, PHQ9_MODERATE_WITH_ITEM9, external_id="dev-1")
    again = respond(cast, stay, PHQ9_MODERATE_WITH_ITEM9, external_id="dev-1")
    assert first.pk == again.pk and InstrumentResponse.objects.count() == 1
    assert PersonEvent.objects.filter(code="centres.response.alerted").count() == 1
    gad7 = Instrument.objects.get(code="gad7")
    with pytest.raises(Refusal) as info:
        respond(cast, stay, {n: 0 for n in range(1, 8)}, instrument=gad7, external_id="dev-1")
    assert refusal_code(info) == "external_id_reused"


@pytest.mark.parametrize(
    ("answers", "code", "field"),
    [
        ({**PHQ9_MINIMAL, 3: 4}, "invalid_option", "item_3"),
        ({k: v for k, v in PHQ9_MINIMAL.items() if k != 5}, "missing_answer", "item_5"),
        ({**PHQ9_MINIMAL, 7: "x"}, "not_a_number", "item_7"),
        ({**PHQ9_MINIMAL, 10: 1}, "unknown_item", "answers"),
    ],
)
def test_bad_answers_are_refused_at_their_item_in_the_engines_words(cast, answers, code, field):
    stay = admitted(cast)
    with pytest.raises(psy.AnswerRefusal) as info:
        respond(cast, stay, answers)
    assert refusal_code(info) == code and info.value.refusal_field == field
    assert info.value.message_zh and info.value.message_en
    assert InstrumentResponse.objects.count() == 0


def test_response_refusals(cast):
    stay = admitted(cast)
    with pytest.raises(Refusal) as info:
        respond(cast, stay, PHQ9_MINIMAL, day="2024-02-28")
    assert refusal_code(info) == "before_admission"
    with at("2024-03-10"), pytest.raises(Refusal) as info:
        psy.record_response(
            stay,
            instrument=phq9(),
            answered_on=D("2024-03-11"),
            answers=PHQ9_MINIMAL,
            actor=cast.facility_officer,
        )
    assert refusal_code(info) == "future_date"
    instrument = phq9()
    instrument.is_active = False
    instrument.save()
    with pytest.raises(Refusal) as info:
        respond(cast, stay, PHQ9_MINIMAL, instrument=instrument)
    assert refusal_code(info) == "instrument_inactive"
    with pytest.raises(Refusal) as info:
        respond(cast, stay, PHQ9_MINIMAL, source="fax")
    assert refusal_code(info) == "invalid_source"
    with at("2024-03-10"), pytest.raises(PermissionDenied):
        psy.record_response(
            stay,
            instrument=phq9(),
            answered_on=D("2024-03-10"),
            answers=PHQ9_MINIMAL,
            actor=cast.police_facility_officer,
        )


# --- Counselling and crises --------------------------------------------------------------------


def counsel(cast, stay, day="2024-03-12", **changes):
    args = {
        "held_on": D(day),
        "kind": "individual",
        "counsellor": "赵咨询师",
        "minutes": 50,
        "summary": "情绪疏导",
    } | changes
    with at(day):
        return psy.record_counselling(stay, actor=cast.facility_officer, **args)


def test_counselling_recorded_twice_is_kept_once(cast):
    stay = admitted(cast)
    assert counsel(cast, stay).pk == counsel(cast, stay).pk


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"kind": "phone"}, "invalid_kind", "kind"),
        ({"counsellor": " "}, "required", "counsellor"),
        ({"minutes": 0}, "invalid_minutes", "minutes"),
        ({"minutes": 481}, "invalid_minutes", "minutes"),
        ({"summary": ""}, "required", "summary"),
        ({"held_on": D("2024-03-13")}, "future_date", "held_on"),
    ],
)
def test_counselling_refusals(cast, changes, code, field):
    stay = admitted(cast)
    with pytest.raises(Refusal) as info:
        counsel(cast, stay, **changes)
    assert refusal_code(info) == code and info.value.refusal_field == field
    with at("2024-03-12"), pytest.raises(PermissionDenied):
        psy.record_counselling(
            stay,
            held_on=D("2024-03-12"),
            kind="group",
            counsellor="赵",
            minutes=30,
            summary="x",
            actor=cast.outsider,
        )


def crisis(cast, stay, day="2024-03-12", **changes):
    args = {
        "started_on": D(day),
        "trigger": "PHQ-9第9题阳性",
        "risk_level": "high",
        "actions": "专人看护",
    } | changes
    with at(day):
        return psy.start_crisis_intervention(stay, actor=cast.facility_officer, **args)


def test_a_crisis_intervention_starts_once_and_closes(cast):
    stay = admitted(cast)
    started = crisis(cast, stay)
    assert crisis(cast, stay).pk == started.pk
    assert PersonEvent.objects.filter(person=stay.person, code="centres.crisis.started").exists()
    with pytest.raises(Refusal) as info:
        crisis(cast, stay, day="2024-03-13", trigger="又一次")
    assert refusal_code(info) == "crisis_open"
    with at("2024-03-20"):
        closed = psy.close_crisis_intervention(
            started, closed_on=D("2024-03-20"), outcome="风险解除", actor=cast.facility_officer
        )
        assert closed.closed_on == D("2024-03-20")
        again = psy.close_crisis_intervention(
            started, closed_on=D("2024-03-20"), outcome="风险解除", actor=cast.facility_officer
        )
        assert again.pk == started.pk
        with pytest.raises(Refusal) as info:
            psy.close_crisis_intervention(
                started, closed_on=D("2024-03-19"), outcome="x", actor=cast.facility_officer
            )
        assert refusal_code(info) == "crisis_closed"
    assert crisis(cast, stay, day="2024-03-21").pk != started.pk


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"trigger": ""}, "required", "trigger"),
        ({"risk_level": "extreme"}, "invalid_risk_level", "risk_level"),
        ({"actions": " "}, "required", "actions"),
        ({"started_on": D("2024-02-01")}, "before_admission", "started_on"),
    ],
)
def test_crisis_start_refusals(cast, changes, code, field):
    stay = admitted(cast)
    with pytest.raises(Refusal) as info:
        crisis(cast, stay, **changes)
    assert refusal_code(info) == code and info.value.refusal_field == field


@pytest.mark.parametrize(
    ("closed_on", "outcome", "code", "field"),
    [
        ("2024-03-11", "好转", "invalid_period", "closed_on"),
        ("2024-03-21", "好转", "future_date", "closed_on"),
        ("2024-03-15", " ", "required", "outcome"),
    ],
)
def test_crisis_close_refusals(cast, closed_on, outcome, code, field):
    stay = admitted(cast)
    started = crisis(cast, stay)
    with at("2024-03-20"), pytest.raises(Refusal) as info:
        psy.close_crisis_intervention(
            started, closed_on=D(closed_on), outcome=outcome, actor=cast.facility_officer
        )
    assert refusal_code(info) == code and info.value.refusal_field == field
    with at("2024-03-20"), pytest.raises(PermissionDenied):
        psy.close_crisis_intervention(
            started, closed_on=D("2024-03-20"), outcome="好转", actor=cast.outsider
        )


# --- Work page ---------------------------------------------------------------------------------


def work_url(cast):
    return f"/centres/{cast.facility.code}/psychology/"


def file_url(stay):
    return f"/centres/stays/{stay.pk}/psychology/"


def section(page: str, name: str) -> str:
    start = page.index(f'id="{name}"')
    end = page.find("<section", start)
    return page[start : end if end > 0 else len(page)]


def test_the_work_page_lists_alerts_until_followed_up(client, cast):
    alerted, calm, followed, old, fresh = (admitted(cast) for _ in range(5))
    respond(cast, alerted, PHQ9_MODERATE_WITH_ITEM9, day="2024-03-10")
    respond(cast, calm, PHQ9_MINIMAL, day="2024-03-10")
    respond(cast, followed, PHQ9_MODERATE_WITH_ITEM9, day="2024-03-10")
    counsel(cast, followed, day="2024-03-10")  # the same day counts as a follow-up
    respond(cast, old, PHQ9_MODERATE_WITH_ITEM9, day="2024-03-05")
    started = crisis(cast, calm, day="2024-03-12")
    client.force_login(cast.facility_officer)
    with at("2024-04-04"):  # 2024-03-05 is 30 days before: still listed; 03-04 would not be
        page = client.get(work_url(cast)).content.decode()
    alerts = section(page, "open-alerts")
    assert alerted.person.name in alerts and old.person.name in alerts
    assert calm.person.name not in alerts and followed.person.name not in alerts
    assert calm.person.name in section(page, "open-crises")
    assert fresh.person.name in section(page, "unassessed")
    assert alerted.person.name not in section(page, "unassessed")
    with at("2024-04-05"):
        page = client.get(work_url(cast)).content.decode()
    assert old.person.name not in section(page, "open-alerts")
    with at("2024-03-20"):
        psy.close_crisis_intervention(
            started, closed_on=D("2024-03-20"), outcome="好转", actor=cast.facility_officer
        )
        page = client.get(work_url(cast)).content.decode()
    assert calm.person.name not in section(page, "open-crises")


def test_the_work_page_does_a_constant_number_of_queries(
    client, cast, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            stay = admitted(cast)
            respond(cast, stay, PHQ9_MODERATE_WITH_ITEM9)
            crisis(cast, stay)
            admitted(cast)

    add(1)
    client.force_login(cast.facility_officer)
    with at("2024-03-20"), django_assert_max_num_queries(20) as one:
        assert client.get(work_url(cast)).status_code == 200
    add(5)
    with at("2024-03-20"), django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(work_url(cast)).status_code == 200
    stay = InstrumentResponse.objects.first().admission
    with at("2024-03-20"), django_assert_max_num_queries(20):
        assert client.get(file_url(stay)).status_code == 200


# --- The file and the answer sheet -------------------------------------------------------------


def phq9_post(answers, day="2024-03-10"):
    return {"answered_on": day} | {f"item_{k}": str(v) for k, v in answers.items()}


def test_the_answer_sheet_scores_phq9_and_alerts(client, cast):
    stay = admitted(cast)
    client.force_login(cast.facility_officer)
    url = f"{file_url(stay)}respond/phq9/"
    with at("2024-03-10"):
        page = client.get(url).content.decode()
        assert 'type="radio" name="item_9"' in page and "几乎每天" in page
        response = client.post(url, phq9_post(PHQ9_MODERATE_WITH_ITEM9))
    assert response.status_code == 302
    saved = InstrumentResponse.objects.get()
    assert saved.raw_score == 12 and saved.band == "moderate" and saved.source == "staff"
    assert PersonEvent.objects.filter(person=stay.person, code="centres.response.alerted").exists()
    with at("2024-03-10"):
        page = client.get(file_url(stay)).content.decode()
    assert "中度抑郁" in section(page, "responses") and "第9题阳性" in page


def test_bad_answers_show_the_engines_error_at_the_item(client, cast):
    stay = admitted(cast)
    client.force_login(cast.facility_officer)
    url = f"{file_url(stay)}respond/phq9/"
    data = phq9_post(PHQ9_MINIMAL)
    data["item_3"] = "5"
    del data["item_6"]
    with at("2024-03-10"):
        response = client.post(url, data)
    assert response.status_code == 422
    page = response.content.decode()
    item3 = page[page.index('id="field-item_3"') : page.index('id="field-item_4"')]
    assert "第3题的答案5不是可选分值" in item3
    item6 = page[page.index('id="field-item_6"') : page.index('id="field-item_7"')]
    assert "第6题未作答" in item6
    assert InstrumentResponse.objects.count() == 0


def test_the_answer_sheet_renders_ranges_and_result_fields(client, cast):
    stay = admitted(cast)
    psy.add_instrument(PF16, actor=cast.facility_leader)
    client.force_login(cast.facility_officer)
    with at("2024-03-10"):
        page = client.get(f"{file_url(stay)}respond/craving_vas/").content.decode()
        assert 'type="number" name="item_1"' in page and 'max="10"' in page
        page = client.get(f"{file_url(stay)}respond/pf16/").content.decode()
        assert 'name="result_a"' in page and "乐群性" in page
        bad = client.post(
            f"{file_url(stay)}respond/pf16/", {"answered_on": "2024-03-10", "result_a": "11"}
        )
        assert bad.status_code == 422 and "超出范围" in bad.content.decode()
        good = client.post(
            f"{file_url(stay)}respond/pf16/",
            {"answered_on": "2024-03-10", "result_a": "8", "result_c": "7"},
        )
    assert good.status_code == 302
    assert psy.latest_response(stay, "pf16").raw_score == Decimal("7.50")


def test_the_file_records_counselling_and_crises(client, cast):
    stay = admitted(cast)
    client.force_login(cast.facility_officer)
    with at("2024-03-12"):
        assert (
            client.post(
                file_url(stay) + "counselling/",
                {
                    "counselling-held_on": "2024-03-12",
                    "counselling-kind": "group",
                    "counselling-counsellor": "赵",
                    "counselling-minutes": "45",
                    "counselling-summary": "团体辅导",
                },
            ).status_code
            == 302
        )
        assert (
            client.post(
                file_url(stay) + "crisis/",
                {
                    "crisis-started_on": "2024-03-12",
                    "crisis-trigger": "自伤念头",
                    "crisis-risk_level": "high",
                    "crisis-actions": "专人看护",
                },
            ).status_code
            == 302
        )
        c = CrisisIntervention.objects.get()
        bad = client.post(
            f"{file_url(stay)}crisis/{c.pk}/close/",
            {f"close{c.pk}-closed_on": "2024-03-01", f"close{c.pk}-outcome": "好转"},
        )
        assert bad.status_code == 422 and "结案日期不能早于干预日期" in bad.content.decode()
        ok = client.post(
            f"{file_url(stay)}crisis/{c.pk}/close/",
            {f"close{c.pk}-closed_on": "2024-03-12", f"close{c.pk}-outcome": "好转"},
        )
        assert ok.status_code == 302
        page = client.get(file_url(stay)).content.decode()
    assert "团体辅导" in page and "已结案" in page


@pytest.mark.parametrize("user", ["outsider", "medic", "police_facility_officer", "auditor"])
def test_other_units_get_404(client, cast, user):
    stay = admitted(cast)
    started = crisis(cast, stay)
    client.force_login(getattr(cast, user))
    assert client.get(work_url(cast)).status_code == 404
    assert client.get(file_url(stay)).status_code == 404
    assert client.get(f"{file_url(stay)}respond/phq9/").status_code == 404
    assert client.post(f"{file_url(stay)}counselling/", {}).status_code == 404
    assert client.post(f"{file_url(stay)}crisis/{started.pk}/close/", {}).status_code == 404


def test_unknown_instruments_and_records_are_404(client, cast):
    stay = admitted(cast)
    client.force_login(cast.facility_officer)
    assert client.get(f"{file_url(stay)}respond/nope/").status_code == 404
    assert client.post(f"{file_url(stay)}nope/", {}).status_code == 404


# --- Instruments page --------------------------------------------------------------------------


def test_the_instruments_page_lists_and_adds_by_json(client, cast):
    client.force_login(cast.facility_leader)
    page = client.get("/centres/instruments/").content.decode()
    assert "phq9" in page and 'name="definition"' in page
    response = client.post("/centres/instruments/", {"definition": json.dumps(PF16)})
    assert response.status_code == 302
    assert Instrument.objects.get(code="pf16").definition["mode"] == "results"


def test_the_instruments_form_lists_the_engines_errors_in_both_languages(client, cast):
    client.force_login(cast.facility_leader)
    bad = copy.deepcopy(PF16) | {
        "bands": [{"code": "x", "label_zh": "甲", "label_en": "X", "min": 1, "max": 5}]
    }
    response = client.post("/centres/instruments/", {"definition": json.dumps(bad)})
    assert response.status_code == 422
    page = response.content.decode()
    assert "bands do not cover" in page and "分段未覆盖" in page
    response = client.post("/centres/instruments/", {"definition": "{not json"})
    assert response.status_code == 422 and "不是有效的JSON" in response.content.decode()


def test_only_instrument_managers_may_add(client, cast):
    client.force_login(cast.facility_officer)
    page = client.get("/centres/instruments/")
    assert page.status_code == 200 and 'name="definition"' not in page.content.decode()
    assert client.post("/centres/instruments/", {"definition": "{}"}).status_code == 403
    client.force_login(cast.outsider)
    assert client.get("/centres/instruments/").status_code == 404


# --- API ---------------------------------------------------------------------------------------


def bearer(user):
    _t, raw = issue_token(actor=user, user=user, days=None)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post_json(client, url, data, headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def test_the_api_records_a_phq9_response_once(client, cast):
    stay = admitted(cast)
    url = f"/api/v1/centres/stays/{stay.pk}/instrument-responses"
    headers = bearer(cast.facility_officer)
    body = {
        "instrument": "phq9",
        "answered_on": "2024-03-10",
        "answers": {str(k): v for k, v in PHQ9_MODERATE_WITH_ITEM9.items()},
        "external_id": "tablet-7/42",
    }
    with at("2024-03-10"):
        first = post_json(client, url, body, headers)
        again = post_json(client, url, body, headers)
    assert first.status_code == 201, first.content
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    data = first.json()
    assert data["raw_score"] == 12 and data["band"] == "moderate" and data["source"] == "api"
    assert data["alerts"][0]["item"] == 9
    assert PersonEvent.objects.filter(code="centres.response.alerted").count() == 1

    with at("2024-03-10"):
        bad = post_json(client, url, body | {"external_id": "", "answers": {"1": 0}}, headers)
    assert bad.status_code == 422
    error = bad.json()
    assert error["code"] == "missing_answer" and error["item"] == 2
    assert error["message"].startswith("第2题") and error["message_en"].startswith("Item 2")
    assert error["errors"][0]["field"] == "answers.2"
    with at("2024-03-10"):
        unknown = post_json(client, url, body | {"instrument": "nope"}, headers)
        future = post_json(
            client, url, body | {"answered_on": "2024-03-11", "external_id": ""}, headers
        )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_instrument"
    assert future.status_code == 422 and future.json()["code"] == "future_date"


def test_the_api_reads_the_file_and_the_instruments(client, cast):
    stay = admitted(cast)
    respond(cast, stay, PHQ9_MODERATE_WITH_ITEM9)
    counsel(cast, stay)
    crisis(cast, stay)
    headers = bearer(cast.facility_officer)
    with at("2024-03-20"):
        body = client.get(f"/api/v1/centres/stays/{stay.pk}/psychology", **headers).json()
    assert [r["band"] for r in body["responses"]] == ["moderate"]
    assert body["counselling"][0]["minutes"] == 50
    assert body["crises"][0]["closed_on"] is None
    instruments = client.get("/api/v1/centres/instruments", **headers).json()
    phq = next(i for i in instruments if i["code"] == "phq9")
    assert len(phq["definition"]["items"]) == 9


def test_the_api_answers_404_out_of_scope(client, cast):
    stay = admitted(cast)
    headers = bearer(cast.outsider)
    assert client.get(f"/api/v1/centres/stays/{stay.pk}/psychology", **headers).status_code == 404
    assert client.get("/api/v1/centres/instruments", **headers).status_code == 404
    body = {"instrument": "phq9", "answered_on": "2024-03-10", "answers": {}}
    url = f"/api/v1/centres/stays/{stay.pk}/instrument-responses"
    assert post_json(client, url, body, headers).status_code == 404
    assert post_json(client, url, body, bearer(cast.police_facility_officer)).status_code == 404
