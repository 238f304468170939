"""康复训练中心 pages: the work page (no fitness test yet, last test failed), a stay's training
file with each item's history newest first, the entry forms, 404 for other units, constant
queries."""

import pytest
from django.urls import reverse

from jiedu.centres.models import FitnessTest, TrainingSession
from jiedu.centres.services import training as services

from . import test_medical_setup as setup
from .test_medical_setup import D, admit

pytestmark = pytest.mark.django_db

today, zones = setup.today, setup.zones

EMPTY = {
    "calisthenics_fluent": None,
    "chest_expander_pulls": None,
    "push_ups": None,
    "sit_ups": None,
    "sit_and_reach_cm": None,
    "step_index": None,
}


def fitness(stay, actor, day, **values):
    return services.record_fitness_test(
        stay, tested_on=D(day), tester="体能教官", actor=actor, **{**EMPTY, **values}
    )


def work_url(cast):
    return reverse("centres:training_work", args=[cast.facility.code])


def file_url(stay):
    return reverse("centres:training_file", args=[stay.pk])


def section(html, name):
    return html.split(f'id="{name}"', 1)[1].split("</section>", 1)[0]


def test_users_of_other_units_get_404(cast, zones, today, client):
    stay = admit(cast, zones)
    for user in (cast.outsider, cast.medic, cast.worker_a, cast.auditor):
        client.force_login(user)
        assert client.get(work_url(cast)).status_code == 404
        assert client.get(file_url(stay)).status_code == 404
        url = reverse("centres:training_record", args=[stay.pk, "session"])
        assert client.post(url, {}).status_code == 404


def test_the_work_page_shows_who_has_no_test_and_whose_last_test_failed(cast, zones, today, client):
    officer = cast.facility_officer
    untested = admit(cast, zones, name="未测人员")
    failed = admit(cast, zones, name="未达标人员")
    fitness(failed, officer, "2024-04-01", chest_expander_pulls=12)
    fitness(failed, officer, "2024-05-01", chest_expander_pulls=8)  # the latest fails
    improved = admit(cast, zones, name="已达标人员")
    fitness(improved, officer, "2024-04-01", calisthenics_fluent=False)
    fitness(improved, officer, "2024-05-01", calisthenics_fluent=True)
    services.record_training(
        improved, held_on=D("2024-06-10"), kind="ball", minutes=45, actor=officer
    )
    client.force_login(officer)
    html = client.get(work_url(cast)).content.decode()
    assert "未测人员" in section(html, "untested")
    assert "未达标人员" not in section(html, "untested")
    assert "未达标人员" in section(html, "failed")
    assert "已达标人员" not in section(html, "failed")
    row = section(html, "present").split("已达标人员", 1)[1].split("</tr>", 1)[0]
    assert "2024-05-01" in row and "1 / 45" in row
    assert untested.pk


def test_the_file_shows_each_items_history_newest_first(cast, zones, today, client):
    officer = cast.facility_officer
    stay = admit(cast, zones)
    fitness(stay, officer, "2024-04-01", chest_expander_pulls=8, push_ups=12)
    fitness(stay, officer, "2024-05-01", chest_expander_pulls=11)
    fitness(stay, officer, "2024-06-01", chest_expander_pulls=14, push_ups=18)
    client.force_login(officer)
    html = client.get(file_url(stay)).content.decode()
    pulls = section(html, "item-chest_expander")
    assert pulls.index("2024-06-01") < pulls.index("2024-05-01") < pulls.index("2024-04-01")
    assert ">14<" in pulls and ">8<" in pulls
    push = section(html, "item-push_ups")
    assert "2024-05-01" not in push  # not measured that day
    assert push.index("2024-06-01") < push.index("2024-04-01")
    assert 'id="item-sit_ups"' not in html  # never measured
    assert "国民体质测定标准" in html  # the standards' source is on the page


FORMS = {
    "fitness": (
        {
            "tested_on": "2024-06-01",
            "calisthenics_fluent": "true",
            "chest_expander_pulls": "11",
            "push_ups": "",
            "sit_ups": "22",
            "sit_and_reach_cm": "3.5",
            "step_index": "",
            "tester": "体能教官",
        },
        FitnessTest,
    ),
    "session": (
        {"held_on": "2024-06-01", "kind": "taichi", "minutes": "60", "note": "八段锦"},
        TrainingSession,
    ),
}


@pytest.mark.parametrize("record", list(FORMS))
def test_each_entry_form_records_once(cast, zones, today, client, record):
    stay = admit(cast, zones)
    data, model = FORMS[record]
    client.force_login(cast.facility_officer)
    url = reverse("centres:training_record", args=[stay.pk, record])
    for _attempt in range(2):
        response = client.post(url, {f"{record}-{k}": v for k, v in data.items()})
        assert response.status_code == 302, response.content.decode()[:800]
        assert response["Location"] == file_url(stay)
    assert model.objects.filter(admission=stay).count() == 1
    if record == "fitness":
        test = FitnessTest.objects.get()
        assert test.calisthenics_fluent is True and test.passed
        assert test.push_ups is None


def test_an_invalid_fitness_test_comes_back_with_the_error_at_the_field(cast, zones, today, client):
    stay = admit(cast, zones)
    data = {**FORMS["fitness"][0], "push_ups": "400"}
    client.force_login(cast.facility_officer)
    url = reverse("centres:training_record", args=[stay.pk, "fitness"])
    response = client.post(url, {f"fitness-{k}": v for k, v in data.items()})
    assert response.status_code == 422
    field = response.content.decode().split('id="field-push_ups"', 1)[1].split("</div>", 1)[0]
    assert "field-error" in field
    assert FitnessTest.objects.count() == 0
    assert (
        client.post(reverse("centres:training_record", args=[stay.pk, "nap"]), {}).status_code
        == 404
    )


@pytest.mark.parametrize("path", ["work", "file"])
def test_the_pages_take_a_constant_number_of_queries(
    cast, zones, today, client, django_assert_max_num_queries, path
):
    officer = cast.facility_officer

    def add(n):
        stays = []
        for i in range(n):
            stay = admit(cast, zones)
            fitness(stay, officer, "2024-04-01", chest_expander_pulls=5 + i)
            services.record_training(
                stay, held_on=D("2024-06-01"), kind="ball", minutes=30, actor=officer
            )
            stays.append(stay)
        return stays

    first = add(1)[0]
    url = work_url(cast) if path == "work" else file_url(first)
    client.force_login(officer)
    with django_assert_max_num_queries(25) as one:
        assert client.get(url).status_code == 200
    add(5)
    for i in range(4):
        fitness(first, officer, f"2024-05-0{i + 1}", push_ups=10 + i, sit_ups=20)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200
