import pytest

from accounts.models import OrganisationApiKey
from accounts.services import api_key_create

pytestmark = pytest.mark.django_db


def test_an_organisation_admin_creates_a_key_shown_once_and_stored_hashed(client, org_admin):
    client.force_login(org_admin)
    response = client.post("/organisation/api-keys/", {"name": "Billing system"})
    assert response.status_code == 200
    key_text = response.context["new_key"]
    assert key_text in response.content.decode()
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    api_key = OrganisationApiKey.objects.get()
    assert api_key.organisation == org_admin.organisation
    assert api_key.created_by == org_admin
    assert key_text not in api_key.hashed_key and key_text != api_key.id
    assert api_key.hashed_key.startswith("sha512$$")
    assert OrganisationApiKey.objects.get_from_key(key_text) == api_key
    again = client.get("/organisation/api-keys/").content.decode()
    assert "Billing system" in again and key_text not in again


def test_a_key_needs_a_name(client, org_admin):
    client.force_login(org_admin)
    response = client.post("/organisation/api-keys/", {"name": ""})
    assert "This field is required." in response.content.decode()
    assert not OrganisationApiKey.objects.exists()


def test_an_organisation_admin_revokes_a_key(client, org_admin):
    api_key, _ = api_key_create(
        organisation=org_admin.organisation, name="Old system", created_by=org_admin
    )
    client.force_login(org_admin)
    response = client.post(f"/organisation/api-keys/{api_key.prefix}/revoke/", follow=True)
    assert "API key “Old system” revoked" in response.content.decode()
    api_key.refresh_from_db()
    assert api_key.revoked and api_key.revoked_by == org_admin and api_key.revoked_at


def test_other_organisations_cannot_see_or_revoke_anothers_keys(client, org_admin, outsider_admin):
    api_key, _ = api_key_create(
        organisation=org_admin.organisation, name="A's billing", created_by=org_admin
    )
    client.force_login(outsider_admin)
    assert "A&#x27;s billing" not in client.get("/organisation/api-keys/").content.decode()
    assert client.post(f"/organisation/api-keys/{api_key.prefix}/revoke/").status_code == 404
    api_key.refresh_from_db()
    assert not api_key.revoked


def test_a_plain_member_may_not_manage_keys(member_client, organisation, org_admin):
    api_key, _ = api_key_create(organisation=organisation, name="k", created_by=org_admin)
    assert member_client.get("/organisation/api-keys/").status_code == 403
    assert member_client.post("/organisation/api-keys/", {"name": "mine"}).status_code == 403
    assert member_client.post(f"/organisation/api-keys/{api_key.prefix}/revoke/").status_code == 403
