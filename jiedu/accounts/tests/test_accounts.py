"""Users, memberships and tokens, managed by administrators within their units."""

from django.core.management import call_command
from django.urls import reverse

from jiedu.accounts.models import ApiToken, Membership, Role, User
from jiedu.accounts.services import authenticate_token, issue_token, revoke_token
from jiedu.people.models import Person
from jiedu.testing.cast import PASSWORD, make_person


def test_the_default_roles_are_seeded(db):
    codes = set(Role.objects.values_list("code", flat=True))
    assert {
        "facility_officer",
        "facility_leader",
        "community_worker",
        "township_supervisor",
        "deciding_officer",
        "bureau_analyst",
        "auditor",
        "system_admin",
    } <= codes


def test_admin_creates_a_user_with_a_membership_in_the_ui(cast, client):
    client.force_login(cast.admin)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "new_worker",
            "display_name": "新专干",
            "password": "Strong-pass-2026",
            "org_unit": cast.township_a.pk,
            "role": Role.objects.get(code="community_worker").pk,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="new_worker")
    assert user.memberships.get().org_unit == cast.township_a
    assert client.login(username="new_worker", password="Strong-pass-2026")


def test_a_weak_password_is_refused_at_the_password_field(cast, client):
    client.force_login(cast.admin)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "weak",
            "display_name": "弱",
            "password": "123",
            "org_unit": cast.township_a.pk,
            "role": Role.objects.get(code="community_worker").pk,
        },
    )
    assert response.context["form"].errors["password"]
    assert not User.objects.filter(username="weak").exists()


def test_a_membership_covers_the_subtree_and_ending_it_removes_access(cast, client):
    person = make_person(cast.worker_a, cast.township_a, "钱七")
    client.force_login(cast.admin)
    membership = Membership.objects.get(user=cast.worker_a)
    client.post(reverse("accounts:membership_end", args=["worker_a", membership.pk]))
    membership.refresh_from_db()
    assert membership.is_active is False
    fresh = User.objects.get(pk=cast.worker_a.pk)
    assert not Person.objects.restrict(fresh, "view").filter(pk=person.pk).exists()


def test_a_worker_cannot_open_user_management(cast, client):
    client.force_login(cast.worker_a)
    assert client.get(reverse("accounts:user_list")).status_code == 404


def test_login_page_logs_in_with_the_cast_password(cast, client):
    response = client.post(
        reverse("accounts:login"), {"username": "worker_a", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_tokens_are_stored_hashed_and_can_be_revoked(cast):
    token, raw = issue_token(actor=cast.worker_a, user=cast.worker_a, name="test")
    assert raw not in ApiToken.objects.values_list("token_hash", flat=True)
    assert authenticate_token(raw) == cast.worker_a
    revoke_token(token, actor=cast.worker_a)
    assert authenticate_token(raw) is None


def test_create_api_token_prints_the_token_on_the_last_line(cast, capsys):
    call_command("create_api_token", "worker_a")
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert authenticate_token(last) == cast.worker_a


def test_issuing_a_token_in_the_ui_shows_it_once(cast, client):
    client.force_login(cast.worker_a)
    response = client.post(reverse("accounts:token_list"), {"name": "脚本", "days": 30})
    raw = response.context["new_token"]
    assert authenticate_token(raw) == cast.worker_a
    again = client.get(reverse("accounts:token_list"))
    assert raw not in again.content.decode()
