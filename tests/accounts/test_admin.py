import pytest
from django.urls import reverse

from accounts.models import AccountEvent, AccountEventKind
from accounts.roles import UserRole
from accounts.services import account_event_record
from tests.factories import login_with_two_factors


@pytest.fixture
def desk(client, service_admin):
    login_with_two_factors(client, service_admin)
    return client


@pytest.mark.django_db
def test_the_admin_login_goes_through_the_portal_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.django_db
def test_a_plain_user_cannot_open_the_admin(client, member):
    client.force_login(member)
    assert client.get("/admin/login/").status_code == 403


@pytest.mark.django_db
def test_a_service_admin_lists_organisations_and_users(desk, member):
    assert desk.get(reverse("admin:accounts_organisation_changelist")).status_code == 200
    page = desk.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert member.email in page


@pytest.mark.django_db
def test_account_events_are_read_only_in_the_admin(desk, member):
    event = account_event_record(kind=AccountEventKind.INVITED, subject=member)
    assert desk.get(reverse("admin:accounts_accountevent_changelist")).status_code == 200
    assert desk.get(reverse("admin:accounts_accountevent_add")).status_code == 403
    change = desk.get(reverse("admin:accounts_accountevent_change", args=[event.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert (
        desk.post(reverse("admin:accounts_accountevent_delete", args=[event.pk])).status_code == 403
    )


@pytest.mark.django_db
def test_deactivating_in_the_admin_is_audited(desk, service_admin, member):
    url = reverse("admin:accounts_user_change", args=[member.pk])
    form = desk.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        email=member.email,
        organisation=member.organisation_id,
        role=UserRole.USER,
        date_joined_0="2019-06-27",
        date_joined_1="18:00:00",
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data["is_active"] = ""
    response = desk.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    member.refresh_from_db()
    assert not member.is_active
    event = AccountEvent.objects.get(kind=AccountEventKind.DEACTIVATED)
    assert (event.actor, event.subject) == (service_admin, member)
