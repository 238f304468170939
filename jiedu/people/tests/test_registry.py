"""The person registry: identity checks, duplicates, merge, search, health visibility."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jiedu.core.models import ChangeLogEntry
from jiedu.people import services
from jiedu.people.models import Person, PersonEvent
from jiedu.people.querysets import search
from jiedu.testing.cast import make_person
from jiedu.utilities import resident_id

BIRTH = date(1990, 5, 17)


def form_data(cast, **overrides):
    data = {
        "name": "赵六",
        "gender": "male",
        "birth_date": "1990-05-17",
        "id_type": "resident_id",
        "id_number": resident_id.build("990102", BIRTH, 31),
        "nationality": "CN",
        "ethnicity": "01",
        "managing_unit": cast.township_a.pk,
        "idempotency_key": "k1",
    }
    data.update(overrides)
    return data


# -- identity checks -------------------------------------------------------------------------


def test_a_bad_check_digit_is_refused_at_the_id_field_and_nothing_is_saved(cast, client):
    client.force_login(cast.worker_a)
    good = resident_id.build("990102", BIRTH, 31)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post(reverse("people:person_create"), form_data(cast, id_number=bad))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "校验位" in errors["id_number"][0]
    assert not Person.objects.exists()


def test_an_id_whose_birth_date_disagrees_is_refused_at_the_birth_date_field(cast):
    number = resident_id.build("990102", BIRTH, 31)
    with pytest.raises(ValidationError) as exc:
        services.validate_identity("resident_id", number, date(1990, 5, 18), "male")
    assert "birth_date" in exc.value.error_dict


def test_an_id_whose_gender_digit_disagrees_is_refused_at_the_gender_field(cast):
    number = resident_id.build("990102", BIRTH, 31)  # odd: male
    with pytest.raises(ValidationError) as exc:
        services.validate_identity("resident_id", number, BIRTH, "female")
    assert "gender" in exc.value.error_dict


def test_foreigners_are_registered_by_passport(cast):
    data = services.PersonInput(
        name="JOHN SMITH",
        gender="male",
        birth_date=BIRTH,
        managing_unit=cast.county_a,
        id_type="passport",
        id_number="E12345678",
        nationality="GB",
    )
    person = services.create_person(data, actor=cast.worker_a)
    assert person.id_number_masked.endswith("5678")


# -- duplicates and idempotency --------------------------------------------------------------


def test_the_same_id_number_cannot_get_a_second_file(cast):
    person = make_person(cast.worker_a, cast.county_a, "赵六")
    data = services.PersonInput(
        name="赵陆",
        gender="male",
        birth_date=person.birth_date,
        managing_unit=cast.county_a,
        id_number=person.id_number,
    )
    with pytest.raises(services.DuplicatePersonError) as exc:
        services.create_person(data, actor=cast.worker_a, confirm_not_duplicate=True)
    assert exc.value.same_id and exc.value.candidates == [person]


def test_same_name_and_birth_date_asks_for_confirmation_then_allows(cast, client):
    existing = make_person(cast.worker_a, cast.county_a, "赵六", birth_date=BIRTH)
    client.force_login(cast.worker_a)
    data = form_data(cast, id_number=resident_id.build("990102", BIRTH, 77))
    first = client.post(reverse("people:person_create"), data)
    assert first.status_code == 200
    assert [c for c, _visible in first.context["duplicates"]] == [existing]
    assert Person.objects.count() == 1
    second = client.post(reverse("people:person_create"), {**data, "confirm_not_duplicate": "on"})
    assert second.status_code == 302
    assert Person.objects.count() == 2


def test_a_duplicate_outside_scope_is_reported_without_disclosing_it(cast, client):
    make_person(cast.outsider, cast.county_b, "赵六", birth_date=BIRTH)
    client.force_login(cast.worker_a)
    response = client.post(reverse("people:person_create"), form_data(cast))
    [(candidate, visible)] = response.context["duplicates"]
    assert visible is False
    assert candidate.name not in response.content.decode().split("duplicates")[1][:400]


def test_a_resubmitted_create_form_does_not_create_a_second_file(cast, client):
    client.force_login(cast.worker_a)
    data = form_data(cast)
    first = client.post(reverse("people:person_create"), data)
    second = client.post(reverse("people:person_create"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Person.objects.count() == 1


# -- merge -----------------------------------------------------------------------------------


def test_merge_keeps_both_histories_and_moves_child_records(cast):
    target = make_person(cast.worker_a, cast.county_a, "赵六", phones=("13900000001",))
    source = services.create_person(
        services.PersonInput(
            name="赵六",
            gender="male",
            birth_date=target.birth_date,
            managing_unit=cast.county_a,
            id_type="none",
            phones=("13900000002",),
            aliases=("小赵",),
        ),
        actor=cast.worker_a,
        confirm_not_duplicate=True,
    )
    services.update_person(source, {"hukou_address": "旧地址"}, actor=cast.worker_a)
    kept = services.merge_persons(source, target, actor=cast.supervisor)
    source.refresh_from_db()
    assert source.status == "merged" and source.merged_into == kept
    assert set(kept.phones.values_list("number", flat=True)) == {"13900000001", "13900000002"}
    assert "小赵" in kept.aliases.values_list("name", flat=True)
    history = services.history_person_pks(kept)
    assert set(history) == {kept.pk, source.pk}
    assert ChangeLogEntry.objects.filter(person_pk=source.pk, action="update").exists()
    codes = set(PersonEvent.objects.filter(person__in=history).values_list("code", flat=True))
    assert {"people.person.merged", "people.person.merged_away"} <= codes


def test_files_with_different_id_numbers_cannot_be_merged(cast):
    a = make_person(cast.worker_a, cast.county_a, "赵六")
    b = make_person(cast.worker_a, cast.county_a, "赵六")
    with pytest.raises(ValidationError):
        services.merge_persons(a, b, actor=cast.supervisor)


def test_a_worker_without_the_merge_permission_cannot_merge(cast):
    from django.core.exceptions import PermissionDenied

    a = make_person(cast.worker_a, cast.county_a, "赵六")
    b = make_person(cast.worker_a, cast.county_a, "赵六", id_number="", id_type="none")
    with pytest.raises(PermissionDenied):
        services.merge_persons(b, a, actor=cast.worker_a)


def test_opening_a_merged_file_redirects_to_the_kept_one(cast, client):
    target = make_person(cast.worker_a, cast.county_a, "赵六")
    source = make_person(cast.worker_a, cast.county_a, "赵六", id_number="", id_type="none")
    services.merge_persons(source, target, actor=cast.supervisor)
    client.force_login(cast.worker_a)
    response = client.get(reverse("people:person_detail", args=[source.uuid]))
    assert response.status_code == 302
    assert str(target.uuid) in response["Location"]


# -- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("zs", True),  # pinyin initials
        ("ZSF", True),
        ("zhangsanfeng", True),  # full pinyin
        ("zhangsan", True),  # leading part of full pinyin
        ("张三", True),  # part of the name
        ("老张", True),  # alias
        ("lz", True),  # alias initials
        ("13812345678", True),  # phone
        ("138123", True),  # leading digits of a phone
        ("ls", False),
        ("李", False),
    ],
)
def test_search_finds_by_name_alias_pinyin_initials_and_phone(cast, query, found):
    person = make_person(
        cast.worker_a, cast.county_a, "张三丰", aliases=("老张",), phones=("13812345678",)
    )
    results = search(Person.objects.all(), query)
    assert (person in results) is found


def test_search_by_full_id_number_uses_the_blind_index(cast):
    person = make_person(cast.worker_a, cast.county_a, "张三丰")
    assert list(search(Person.objects.all(), person.id_number.lower())) == [person]
    assert list(search(Person.objects.all(), person.id_number[:-1])) == []


def test_surname_readings_are_searchable(cast):
    person = make_person(cast.worker_a, cast.county_a, "单雄信")
    assert person in search(Person.objects.all(), "sxx")
    assert person in search(Person.objects.all(), "shanxiongxin")


# -- health visibility -----------------------------------------------------------------------


def test_a_worker_without_health_permission_never_sees_health_in_the_file(cast, client):
    person = make_person(cast.worker_a, cast.county_a, "张三丰")
    services.update_health(
        person, {"hiv": "positive", "psychiatric_diagnosis": "测试诊断甲"}, actor=cast.medic
    )
    client.force_login(cast.worker_a)
    body = client.get(reverse("people:person_detail", args=[person.uuid])).content.decode()
    assert "测试诊断甲" not in body and 'id="health"' not in body
    assert client.get(reverse("people:health_edit", args=[person.uuid])).status_code == 404
    client.force_login(cast.medic)
    body = client.get(reverse("people:person_detail", args=[person.uuid])).content.decode()
    assert "测试诊断甲" in body


def test_the_full_id_is_revealed_only_with_permission_and_is_logged(cast, client):
    from jiedu.core.models import AccessLogEntry

    person = make_person(cast.worker_a, cast.county_a, "张三丰")
    client.force_login(cast.worker_a)  # community workers see the masked number only
    assert client.post(reverse("people:reveal_id", args=[person.uuid])).status_code == 404
    client.force_login(cast.supervisor)
    response = client.post(reverse("people:reveal_id", args=[person.uuid]))
    assert response.content.decode() == person.id_number
    assert AccessLogEntry.objects.filter(action="reveal_id", person_pk=person.pk).exists()


def test_the_file_page_shows_only_the_masked_id(cast, client):
    person = make_person(cast.worker_a, cast.county_a, "张三丰")
    client.force_login(cast.supervisor)
    body = client.get(reverse("people:person_detail", args=[person.uuid])).content.decode()
    assert person.id_number not in body
    assert person.id_number_masked in body


# -- export ----------------------------------------------------------------------------------


def test_export_is_scoped_masked_and_logged(cast, client):
    from jiedu.core.models import AccessLogEntry

    a = make_person(cast.worker_a, cast.county_a, "张三丰")
    b = make_person(cast.outsider, cast.county_b, "张三丰", birth_date=date(1980, 1, 1))
    client.force_login(cast.supervisor)
    body = client.get(reverse("people:person_export"), {"q": "zsf"}).content.decode("utf-8-sig")
    assert str(a.uuid) in body and str(b.uuid) in body
    assert a.id_number not in body and a.id_number_masked in body
    log = AccessLogEntry.objects.get(action="export")
    assert log.result_count == 2 and log.query == "zsf"
    client.force_login(cast.worker_a)  # community workers may not export
    assert client.get(reverse("people:person_export")).status_code == 404


def test_the_edit_form_saves_fields_aliases_and_phones_together(cast, client):
    person = make_person(cast.worker_a, cast.county_a, "张三丰", phones=("13800000001",))
    client.force_login(cast.worker_a)
    data = form_data(
        cast,
        name="张三丰",
        id_number=person.id_number,
        birth_date=person.birth_date.isoformat(),
        managing_unit=cast.county_a.pk,
        aliases="老张\n张道长",
        phones="13800000002",
        hukou_address="花桥街道8号",
    )
    response = client.post(reverse("people:person_edit", args=[person.uuid]), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.hukou_address == "花桥街道8号"
    assert set(person.aliases.values_list("name", flat=True)) == {"老张", "张道长"}
    assert list(person.phones.values_list("number", flat=True)) == ["13800000002"]
    assert person in search(Person.objects.all(), "zdz")


def test_a_bad_phone_in_the_edit_form_saves_nothing(cast, client):
    person = make_person(cast.worker_a, cast.county_a, "张三丰")
    client.force_login(cast.worker_a)
    data = form_data(
        cast,
        name="张三丰改",
        id_number=person.id_number,
        birth_date=person.birth_date.isoformat(),
        managing_unit=cast.county_a.pk,
        phones="12345",
    )
    response = client.post(reverse("people:person_edit", args=[person.uuid]), data)
    assert response.status_code == 200
    assert "电话号码格式不正确" in response.context["form"].errors["phones"][0]
    person.refresh_from_db()
    assert person.name == "张三丰"


def test_a_resubmitted_family_contact_is_not_added_twice(cast, client):
    person = make_person(cast.worker_a, cast.county_a, "张三丰")
    client.force_login(cast.worker_a)
    data = {"name": "张父", "relation": "parent", "phone": "13800000009"}
    client.post(reverse("people:family_add", args=[person.uuid]), data)
    client.post(reverse("people:family_add", args=[person.uuid]), data)
    assert person.family.count() == 1


def test_export_does_not_hand_excel_a_formula(cast, client):
    data = services.PersonInput(
        name="=HYPERLINK(1)",
        gender="male",
        birth_date=BIRTH,
        managing_unit=cast.county_a,
        id_type="none",
    )
    services.create_person(data, actor=cast.worker_a)
    client.force_login(cast.supervisor)
    body = client.get(reverse("people:person_export")).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in body
    assert ",=HYPERLINK" not in body
