"""The main navigation shows only what the user may use now (retired or restricted: gone)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import MarketRole
from tests.factories import OrganisationFactory, ServiceWindowFactory, UserFactory


def nav(client) -> str:
    html = client.get("/service-status/").content.decode()
    start = html.index('class="site-nav"')
    return html[start : html.index("</span>", start)]


@pytest.mark.django_db
def test_a_supplier_sees_search_reports_and_status_but_not_flow_files(client, member):
    client.force_login(member)
    links = nav(client)
    assert ">Search<" in links and ">Reports<" in links and ">Service status<" in links
    assert "Flow files" not in links


@pytest.mark.django_db
def test_a_meter_operator_sees_flow_files(client):
    mop = OrganisationFactory(mpid="MTRW", role_codes=MarketRole.METER_OPERATOR)
    client.force_login(UserFactory(organisation=mop))
    assert ">Flow files<" in nav(client)


@pytest.mark.django_db
def test_links_to_functions_unavailable_in_restricted_mode_disappear(client, member):
    now = timezone.now()
    ServiceWindowFactory(
        mode="restricted",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    client.force_login(member)
    links = nav(client)
    assert ">Search<" in links
    assert "Reports" not in links


@pytest.mark.django_db
def test_an_organisation_admin_finds_their_screens_in_the_main_navigation(client, org_admin):
    client.force_login(org_admin)
    html = client.get("/").content.decode()
    nav = html[
        html.index('<span class="site-nav">') : html.index(
            "</span>", html.index('<span class="site-nav">')
        )
    ]
    for href in ("/organisation/users/", "/search/usage/", "/organisation/api-keys/"):
        assert f'href="{href}"' in nav, href


@pytest.mark.django_db
def test_a_plain_user_has_no_admin_screens_in_the_main_navigation(client, member):
    client.force_login(member)
    html = client.get("/").content.decode()
    assert 'href="/organisation/users/"' not in html
