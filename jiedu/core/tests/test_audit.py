"""The change log and access log: one row per write, before/after, append-only."""

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from jiedu.core.audit import REDACTED
from jiedu.core.models import AccessLogEntry, AuditImmutableError, ChangeLogEntry
from jiedu.people import services
from jiedu.people.models import Person
from jiedu.testing.cast import make_person


def test_creating_a_person_writes_exactly_one_person_change_row(cast):
    before = ChangeLogEntry.objects.filter(object_type="people.person").count()
    person = make_person(cast.worker_a, cast.county_a, "王五")
    rows = ChangeLogEntry.objects.filter(object_type="people.person").order_by("id")
    assert rows.count() == before + 1
    row = rows.last()
    assert row.action == "create"
    assert row.username == "worker_a"
    assert row.person_pk == person.pk
    assert row.changes["name"] == {"before": None, "after": "王五"}


def test_an_update_writes_one_row_with_before_and_after_of_changed_fields_only(cast):
    person = make_person(cast.worker_a, cast.county_a, "王五")
    last_id = ChangeLogEntry.objects.order_by("-id").values_list("id", flat=True).first()
    services.update_person(person, {"hukou_address": "花桥街道1号"}, actor=cast.worker_a)
    new_rows = ChangeLogEntry.objects.filter(id__gt=last_id)
    person_rows = [r for r in new_rows if r.object_type == "people.person"]
    assert len(person_rows) == 1
    assert person_rows[0].action == "update"
    assert person_rows[0].changes == {"hukou_address": {"before": "", "after": "花桥街道1号"}}


def test_an_unchanged_save_writes_no_row(cast):
    person = make_person(cast.worker_a, cast.county_a, "王五")
    start = ChangeLogEntry.objects.count()
    services.update_person(person, {"hukou_address": ""}, actor=cast.worker_a)
    assert ChangeLogEntry.objects.count() == start


def test_a_delete_is_logged_against_the_person(cast):
    person = make_person(cast.worker_a, cast.county_a, "王五")
    contact = services.save_family_contact(
        person, actor=cast.worker_a, name="王父", relation="parent"
    )
    services.remove_family_contact(contact, actor=cast.worker_a)
    row = ChangeLogEntry.objects.filter(object_type="people.familycontact", action="delete").get()
    assert row.person_pk == person.pk
    assert row.changes["name"] == {"before": "王父", "after": None}


def test_id_numbers_are_logged_redacted_never_in_clear(cast):
    person = make_person(cast.worker_a, cast.county_a, "王五")
    row = ChangeLogEntry.objects.filter(object_type="people.person", person_pk=person.pk).first()
    assert row.changes["id_number"]["after"] == REDACTED
    assert person.id_number not in str(row.changes)


def test_the_request_id_of_a_web_write_is_recorded(cast, client):
    person = make_person(cast.worker_a, cast.county_a, "王五")
    client.force_login(cast.worker_a)
    client.post(
        reverse("people:family_add", args=[person.uuid]),
        {"name": "王母", "relation": "parent"},
        headers={"X-Request-ID": "req-test-12345"},
    )
    row = ChangeLogEntry.objects.get(object_type="people.familycontact")
    assert row.request_id == "req-test-12345"
    assert row.username == "worker_a"


def test_opening_a_file_and_searching_write_access_rows(cast, client):
    person = make_person(cast.worker_a, cast.county_a, "王五")
    client.force_login(cast.worker_a)
    client.get(reverse("people:person_detail", args=[person.uuid]))
    client.get(reverse("people:person_list"), {"q": "ww"})
    view = AccessLogEntry.objects.get(action="view_person")
    assert view.person_pk == person.pk and view.username == "worker_a"
    search = AccessLogEntry.objects.filter(action="search_person").last()
    assert search.query == "ww" and search.result_count == 1


def test_a_search_by_id_number_is_logged_masked(cast, client):
    person = make_person(cast.worker_a, cast.county_a, "王五")
    client.force_login(cast.worker_a)
    client.get(reverse("people:person_list"), {"q": person.id_number})
    search = AccessLogEntry.objects.filter(action="search_person").last()
    assert person.id_number not in search.query
    assert search.result_count == 1


def test_audit_rows_cannot_be_changed_or_deleted_through_the_orm(cast):
    make_person(cast.worker_a, cast.county_a, "王五")
    row = ChangeLogEntry.objects.first()
    row.object_repr = "tampered"
    with pytest.raises(AuditImmutableError):
        row.save()
    with pytest.raises(AuditImmutableError):
        row.delete()
    with pytest.raises(AuditImmutableError):
        ChangeLogEntry.objects.filter(pk=row.pk).update(object_repr="tampered")
    with pytest.raises(AuditImmutableError):
        ChangeLogEntry.objects.all().delete()


def test_the_database_refuses_an_update_of_an_audit_row(cast):
    make_person(cast.worker_a, cast.county_a, "王五")
    row = ChangeLogEntry.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_changelogentry SET object_repr = 'x' WHERE id = %s", [row.pk])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="delete trigger is PostgreSQL-only")
def test_postgres_refuses_a_delete_of_an_audit_row(cast):
    make_person(cast.worker_a, cast.county_a, "王五")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_changelogentry")


def test_auditor_sees_who_viewed_and_changed_a_person(cast, client):
    person = make_person(cast.worker_a, cast.county_a, "王五", birth_date=date(1985, 3, 3))
    client.force_login(cast.worker_a)
    client.get(reverse("people:person_detail", args=[person.uuid]))
    client.force_login(cast.auditor)
    page = client.get(reverse("people:person_history", args=[person.uuid]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "worker_a" in body
    assert any(a.action == "view_person" for a in page.context["accesses"])


def test_auditor_lists_everything_a_user_did_in_a_period(cast, client):
    person = make_person(cast.worker_a, cast.county_a, "王五")
    services.update_person(person, {"hukou_address": "新地址"}, actor=cast.worker_a)
    client.force_login(cast.auditor)
    from jiedu.core.clock import today

    page = client.get(
        reverse("core:audit_user_activity"),
        {"username": "worker_a", "date_from": today().isoformat(), "date_to": today().isoformat()},
    )
    assert page.status_code == 200
    assert len(page.context["changes"]) >= 2


def test_a_worker_cannot_open_the_audit_screens(cast, client):
    person = make_person(cast.worker_a, cast.county_a, "王五")
    client.force_login(cast.worker_a)
    assert client.get(reverse("core:audit_user_activity")).status_code == 404
    assert client.get(reverse("people:person_history", args=[person.uuid])).status_code == 404


def test_health_changes_are_masked_in_the_audit_screen_for_auditors_without_health_permission(
    cast, client
):
    person = make_person(cast.worker_a, cast.county_a, "王五")
    services.update_health(person, {"psychiatric_diagnosis": "测试诊断"}, actor=cast.medic)
    client.force_login(cast.auditor)
    body = client.get(reverse("people:person_history", args=[person.uuid])).content.decode()
    assert "测试诊断" not in body


def test_person_rows_in_db_never_hold_the_plain_id_number(cast):
    person = make_person(cast.worker_a, cast.county_a, "王五")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person WHERE id = %s", [person.pk])
        row = cursor.fetchone()
        cursor.execute("SELECT changes FROM core_changelogentry")
        logs = " ".join(str(r[0]) for r in cursor.fetchall())
    assert person.id_number and all(person.id_number not in str(v) for v in row)
    assert person.id_number not in logs
    assert Person.objects.get(pk=person.pk).id_number == person.id_number  # decrypts
