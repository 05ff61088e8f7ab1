import pytest

from accounts.models import OrganisationApiKey
from accounts.services import ApiKeyError, api_key_create, api_key_revoke

pytestmark = pytest.mark.django_db


def test_an_organisation_admin_creates_a_key_shown_once_and_stored_hashed(client, org_admin):
    client.force_login(org_admin)
    response = client.post("/organisation/api-keys/", {"name": "Billing system"}, follow=True)
    assert response.redirect_chain == [("/organisation/api-keys/", 302)]
    key_text = response.context["new_key"]["key"]
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


def test_reloading_after_creating_a_key_makes_no_second_key_and_hides_the_first(client, org_admin):
    client.force_login(org_admin)
    client.post("/organisation/api-keys/", {"name": "Billing system"})
    assert client.get("/organisation/api-keys/").context["new_key"]["name"] == "Billing system"
    reloaded = client.get("/organisation/api-keys/")
    assert reloaded.context["new_key"] is None
    assert OrganisationApiKey.objects.count() == 1


def test_a_second_active_key_of_the_same_name_is_refused(client, org_admin):
    api_key_create(organisation=org_admin.organisation, name="Billing", created_by=org_admin)
    client.force_login(org_admin)
    response = client.post("/organisation/api-keys/", {"name": " billing "})
    assert response.status_code == 200
    assert "already has a key called “billing”" in response.content.decode()
    assert OrganisationApiKey.objects.count() == 1


def test_a_revoked_keys_name_may_be_used_again(org_admin, outsider_admin):
    old, _ = api_key_create(
        organisation=org_admin.organisation, name="Billing", created_by=org_admin
    )
    api_key_revoke(api_key=old, revoked_by=org_admin)
    api_key_create(organisation=org_admin.organisation, name="Billing", created_by=org_admin)
    # Another organisation's names are its own.
    api_key_create(
        organisation=outsider_admin.organisation, name="Billing", created_by=outsider_admin
    )
    assert OrganisationApiKey.objects.filter(name="Billing").count() == 3


def test_a_key_needs_a_name_and_the_summary_says_what_to_do(client, org_admin):
    client.force_login(org_admin)
    response = client.post("/organisation/api-keys/", {"name": ""})
    html = response.content.decode()
    assert "This field is required." not in html
    assert '<a href="#id_name">Enter a name for the key' in html
    assert (
        'aria-invalid="true"' in html
        and 'aria-describedby="id_name_error id_name_helptext"' in html
    )
    assert "<title>Error: API keys" in html
    assert not OrganisationApiKey.objects.exists()


def test_revoking_asks_for_the_keys_name_first(client, org_admin):
    api_key, _ = api_key_create(
        organisation=org_admin.organisation, name="Old system", created_by=org_admin
    )
    client.force_login(org_admin)
    page = client.get(f"/organisation/api-keys/{api_key.prefix}/revoke/").content.decode()
    assert "Revoking is for good" in page and "Type the key&#x27;s name to confirm" in page
    wrong = client.post(f"/organisation/api-keys/{api_key.prefix}/revoke/", {"name": "Old"})
    assert "type “Old system”" in wrong.content.decode()
    api_key.refresh_from_db()
    assert not api_key.revoked


def test_an_organisation_admin_revokes_a_key(client, org_admin):
    api_key, _ = api_key_create(
        organisation=org_admin.organisation, name="Old system", created_by=org_admin
    )
    client.force_login(org_admin)
    response = client.post(
        f"/organisation/api-keys/{api_key.prefix}/revoke/", {"name": "old system"}, follow=True
    )
    assert "API key “Old system” revoked" in response.content.decode()
    api_key.refresh_from_db()
    assert api_key.revoked and api_key.revoked_by == org_admin and api_key.revoked_at


def test_other_organisations_cannot_see_or_revoke_anothers_keys(client, org_admin, outsider_admin):
    api_key, _ = api_key_create(
        organisation=org_admin.organisation, name="A's billing", created_by=org_admin
    )
    client.force_login(outsider_admin)
    assert "A&#x27;s billing" not in client.get("/organisation/api-keys/").content.decode()
    revoke = f"/organisation/api-keys/{api_key.prefix}/revoke/"
    assert client.get(revoke).status_code == 404
    assert client.post(revoke, {"name": "A's billing"}).status_code == 404
    api_key.refresh_from_db()
    assert not api_key.revoked


def test_a_plain_member_may_not_manage_keys(member_client, organisation, org_admin):
    api_key, _ = api_key_create(organisation=organisation, name="k", created_by=org_admin)
    assert member_client.get("/organisation/api-keys/").status_code == 403
    assert member_client.post("/organisation/api-keys/", {"name": "mine"}).status_code == 403
    assert member_client.post(f"/organisation/api-keys/{api_key.prefix}/revoke/").status_code == 403


def test_an_organisation_holds_at_most_the_limit_of_active_keys(org_admin, settings):
    settings.API_KEYS_PER_ORGANISATION = 2
    first, _ = api_key_create(organisation=org_admin.organisation, name="one", created_by=org_admin)
    api_key_create(organisation=org_admin.organisation, name="two", created_by=org_admin)
    with pytest.raises(ApiKeyError, match="already has 2 active API keys"):
        api_key_create(organisation=org_admin.organisation, name="three", created_by=org_admin)
    assert OrganisationApiKey.objects.count() == 2
    api_key_revoke(api_key=first, revoked_by=org_admin)
    api_key_create(organisation=org_admin.organisation, name="three", created_by=org_admin)
    assert OrganisationApiKey.objects.filter(revoked=False).count() == 2


def test_an_expired_key_does_not_take_a_place_among_the_active_keys(org_admin, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.API_KEYS_PER_ORGANISATION = 1
    old, _ = api_key_create(organisation=org_admin.organisation, name="old", created_by=org_admin)
    OrganisationApiKey.objects.filter(pk=old.pk).update(
        expiry_date=timezone.now() - timedelta(days=1)
    )
    api_key_create(organisation=org_admin.organisation, name="new", created_by=org_admin)
    assert OrganisationApiKey.objects.count() == 2
