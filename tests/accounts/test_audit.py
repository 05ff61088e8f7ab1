import pytest
from django.urls import reverse

from accounts.models import AccountEvent, AccountEventKind
from accounts.services import account_event_record
from core.audit import AppendOnlyError


@pytest.fixture
def event_of_a(member):
    return account_event_record(
        kind=AccountEventKind.ROLE_CHANGED, actor=member, subject=member, detail="in org A"
    )


@pytest.fixture
def event_of_b(outsider_admin):
    return account_event_record(
        kind=AccountEventKind.DEACTIVATED,
        actor=outsider_admin,
        subject=outsider_admin,
        detail="in org B",
    )


@pytest.mark.django_db
def test_an_event_cannot_be_changed(event_of_a):
    event_of_a.detail = "rewritten"
    with pytest.raises(AppendOnlyError):
        event_of_a.save()
    event_of_a.refresh_from_db()
    assert event_of_a.detail == "in org A"


@pytest.mark.django_db
def test_an_event_cannot_be_deleted_one_by_one_or_in_bulk(event_of_a):
    with pytest.raises(AppendOnlyError):
        event_of_a.delete()
    with pytest.raises(AppendOnlyError):
        AccountEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AccountEvent.objects.update(detail="x")
    assert AccountEvent.objects.filter(pk=event_of_a.pk).exists()


@pytest.mark.django_db
def test_an_audited_user_cannot_be_deleted(event_of_a, member):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        member.delete()


@pytest.mark.django_db
def test_an_organisation_admin_sees_only_their_organisations_events(
    client, org_admin, event_of_a, event_of_b
):
    client.force_login(org_admin)
    page = client.get(reverse("organisation:audit")).content.decode()
    assert "in org A" in page
    assert "in org B" not in page


@pytest.mark.django_db
def test_an_admin_of_another_organisation_does_not_see_ours(
    client, outsider_admin, event_of_a, event_of_b
):
    client.force_login(outsider_admin)
    page = client.get(reverse("organisation:audit")).content.decode()
    assert "in org B" in page
    assert "in org A" not in page


@pytest.mark.django_db
def test_a_service_admin_sees_every_organisations_events(
    client, service_admin, event_of_a, event_of_b
):

    client.force_login(service_admin)
    page = client.get(reverse("organisation:audit")).content.decode()
    assert "in org A" in page and "in org B" in page
    assert "ORGA" in page and "ORGB" in page


@pytest.mark.django_db
def test_the_audit_can_be_filtered_by_kind(client, org_admin, event_of_a):
    account_event_record(kind=AccountEventKind.INVITED, actor=org_admin, detail="an invite")
    client.force_login(org_admin)
    page = client.get(reverse("organisation:audit"), {"kind": "invited"}).content.decode()
    assert "an invite" in page
    assert "in org A" not in page


@pytest.mark.django_db
def test_the_user_detail_shows_the_users_own_events(client, org_admin, member, event_of_a):
    client.force_login(org_admin)
    response = client.get(reverse("organisation:user", kwargs={"user_id": member.pk}))
    assert event_of_a in response.context["events"]
