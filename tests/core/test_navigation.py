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
