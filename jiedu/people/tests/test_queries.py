"""List pages do a bounded number of queries, however many people they show."""

from django.urls import reverse

from jiedu.testing.cast import make_person


def test_the_person_list_does_not_query_per_row(cast, client, django_assert_max_num_queries):
    for i in range(30):
        make_person(cast.worker_a, cast.county_a, f"测试{i}")
    client.force_login(cast.supervisor)
    client.get(reverse("people:person_list"))  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(reverse("people:person_list"), {"q": "cs"})
    assert response.context["page"].paginator.count == 30


def test_the_person_file_page_does_a_bounded_number_of_queries(
    cast, client, django_assert_max_num_queries
):
    person = make_person(cast.worker_a, cast.county_a, "测试", aliases=("甲", "乙"))
    client.force_login(cast.worker_a)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("people:person_detail", args=[person.uuid])).status_code == 200
