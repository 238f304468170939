"""Defects found in the security review: each test failed before its fix."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from jiedu.accounts.models import Membership, Role
from jiedu.core.models import AccessLogEntry
from jiedu.people import services
from jiedu.testing.cast import make_person, make_user

ACTIVITY = "core:audit_user_activity"


def edit_data(cast, person, **overrides):
    data = {
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat(),
        "id_type": person.id_type,
        "id_number": "",
        "nationality": "CN",
        "managing_unit": person.managing_unit.pk,
    }
    data.update(overrides)
    return data


def test_the_edit_form_never_shows_the_full_id_number(cast, client):
    """Community workers may change a file but not see its full ID number (masked only)."""
    person = make_person(cast.worker_a, cast.county_a, "钱七")
    client.force_login(cast.worker_a)
    body = client.get(reverse("people:person_edit", args=[person.uuid])).content.decode()
    assert person.id_number not in body
    assert person.id_number_masked in body


def test_a_blank_id_box_in_the_edit_form_keeps_the_number_on_file(cast, client):
    person = make_person(cast.worker_a, cast.county_a, "钱七")
    number = person.id_number
    client.force_login(cast.worker_a)
    response = client.post(
        reverse("people:person_edit", args=[person.uuid]),
        edit_data(cast, person, hukou_address="花桥街道9号"),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.hukou_address == "花桥街道9号"
    assert person.id_number == number


def test_opening_the_edit_and_health_forms_is_access_logged(cast, client):
    person = make_person(cast.worker_a, cast.county_a, "钱七")
    services.update_health(person, {"hiv": "positive"}, actor=cast.medic)
    client.force_login(cast.worker_a)
    client.get(reverse("people:person_edit", args=[person.uuid]))
    assert AccessLogEntry.objects.filter(
        action="view_person", person_pk=person.pk, user_id=cast.worker_a.pk
    ).exists()
    client.force_login(cast.medic)
    assert client.get(reverse("people:health_edit", args=[person.uuid])).status_code == 200
    assert AccessLogEntry.objects.filter(
        action="view_person", person_pk=person.pk, user_id=cast.medic.pk
    ).exists()


def _activity(client, username):
    return client.get(
        reverse(ACTIVITY),
        {"username": username, "date_from": "2000-01-01", "date_to": "2099-12-31"},
    )


def test_user_activity_hides_person_changes_from_an_admin_without_people_permission(cast, client):
    make_person(cast.worker_a, cast.county_a, "隐秘甲", residence_address="柳巷十七号")
    client.force_login(cast.admin)  # core.view_audit, but no people.view_person
    response = _activity(client, "worker_a")
    assert response.status_code == 200 and response.context["subject"] == cast.worker_a
    body = response.content.decode()
    assert "隐秘甲" not in body and "柳巷十七号" not in body


def test_user_activity_hides_changes_to_files_outside_the_auditors_units(cast, client):
    dual = make_user("dual", cast.county_a, "community_worker")
    Membership.objects.create(
        user=dual, org_unit=cast.county_b, role=Role.objects.get(code="community_worker")
    )
    make_person(dual, cast.county_a, "甲区某人")
    make_person(dual, cast.county_b, "乙区某人")
    auditor_a = make_user("auditor_a", cast.county_a, "auditor")
    client.force_login(auditor_a)
    body = _activity(client, "dual").content.decode()
    assert "甲区某人" in body
    assert "乙区某人" not in body


def test_the_user_activity_screen_is_access_logged(cast, client):
    client.force_login(cast.auditor)
    assert _activity(client, "worker_a").status_code == 200
    log = AccessLogEntry.objects.get(action="view_audit", user_id=cast.auditor.pk)
    assert "worker_a" in log.query


@pytest.mark.parametrize(
    ("date_from", "date_to"), [("2020-01-01", "9999-12-31"), ("0001-01-01", "2020-01-01")]
)
def test_extreme_dates_in_user_activity_are_form_errors_not_500(cast, client, date_from, date_to):
    client.raise_request_exception = False
    client.force_login(cast.auditor)
    response = client.get(
        reverse(ACTIVITY), {"username": "worker_a", "date_from": date_from, "date_to": date_to}
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_a_truncated_photo_is_refused_with_a_message_not_500(cast, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    person = make_person(cast.worker_a, cast.county_a, "孙八")
    client.raise_request_exception = False
    client.force_login(cast.worker_a)
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (10, 20, 30)).save(out, format="JPEG")
    upload = SimpleUploadedFile("x.jpg", out.getvalue()[:2000], content_type="image/jpeg")
    response = client.post(
        reverse("people:photo_upload", args=[person.uuid]), {"photo": upload}, follow=True
    )
    assert response.status_code == 200
    assert any(m.level_tag == "error" for m in response.context["messages"])
    person.refresh_from_db()
    assert not person.photo


@pytest.mark.parametrize(
    ("url", "user"),
    [
        ("people:person_list", "supervisor"),
        ("people:person_export", "supervisor"),
        ("accounts:user_list", "admin"),
    ],
)
def test_a_nul_character_in_a_search_box_is_not_a_500(cast, client, url, user):
    """PostgreSQL cannot compare or store NUL: the query is cleaned before it reaches the DB."""
    client.raise_request_exception = False
    client.force_login(getattr(cast, user))
    response = client.get(reverse(url), {"q": "ab\x00c"})
    assert response.status_code == 200
    assert all("\x00" not in q for q in AccessLogEntry.objects.values_list("query", flat=True))


def test_the_audit_of_a_file_does_not_say_which_health_fields_changed(cast, client):
    """An auditor without people.view_health must not learn that a diagnosis was recorded."""
    person = make_person(cast.worker_a, cast.county_a, "钱七")
    services.update_health(person, {"psychiatric_diagnosis": "某诊断"}, actor=cast.medic)
    client.force_login(cast.auditor)
    body = client.get(reverse("people:person_history", args=[person.uuid])).content.decode()
    assert "某诊断" not in body
    assert "psychiatric_diagnosis" not in body


# -- second round: separation of duties, health hints, merged files, image bombs -------------


def test_an_administrator_cannot_grant_a_post_to_themselves(cast, client):
    from django.core.exceptions import PermissionDenied

    from jiedu.accounts.models import Role
    from jiedu.accounts.services import add_membership

    role = Role.objects.get(code="township_supervisor")
    with pytest.raises(PermissionDenied):
        add_membership(actor=cast.admin, user=cast.admin, org_unit=cast.province, role=role)
    assert not cast.admin.memberships.filter(role=role).exists()


def test_the_health_updated_event_is_hidden_from_users_without_health_permission(cast, client):
    from jiedu.people import services

    person = make_person(cast.worker_a, cast.county_a, "周九")
    services.update_health(person, {"hiv": "negative"}, actor=cast.medic)
    client.force_login(cast.worker_a)
    timeline = client.get(reverse("people:person_detail", args=[person.uuid])).context["timeline"]
    assert all(not e.code.startswith("people.health.") for e, _text in timeline)
    client.force_login(cast.medic)
    timeline = client.get(reverse("people:person_detail", args=[person.uuid])).context["timeline"]
    assert any(e.code == "people.health.updated" for e, _text in timeline)


def test_a_merged_file_can_no_longer_be_edited(cast, client):
    from jiedu.people import services

    target = make_person(cast.worker_a, cast.county_a, "周九")
    source = make_person(cast.worker_a, cast.county_a, "周九", id_number="", id_type="none")
    services.merge_persons(source, target, actor=cast.supervisor)
    client.force_login(cast.supervisor)
    assert client.get(reverse("people:person_edit", args=[source.uuid])).status_code == 404
    assert (
        client.post(reverse("people:family_add", args=[source.uuid]), {"name": "x"}).status_code
        == 404
    )
    client.force_login(cast.medic)
    assert client.get(reverse("people:health_edit", args=[source.uuid])).status_code == 404


def test_a_decompression_bomb_is_refused_before_decoding(cast):
    import io

    from django.core.exceptions import ValidationError
    from PIL import Image

    from jiedu.people.services import normalize_photo

    out = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(out, format="PNG")  # 60 Mpx, a few KB on disk
    assert out.tell() < 200_000
    with pytest.raises(ValidationError):
        normalize_photo(out)
