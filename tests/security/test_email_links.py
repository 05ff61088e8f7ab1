"""E-mail links come from PORTAL_BASE_URL, never the request's Host (issue 14, item 12).

The requests here carry a forged Host header, as an attacker would send to make a
reset link point at their own server; ALLOWED_HOSTS is opened to let them through,
as a proxy that passes any Host would.
"""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FORGED = "evil.example"
BASE = "https://ecoes.example.org"


@pytest.fixture(autouse=True)
def _forgeable_host(settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.PORTAL_BASE_URL = BASE


def forged_client(user=None) -> Client:
    client = Client(HTTP_HOST=FORGED)
    if user is not None:
        client.force_login(user)
    return client


def assert_links_are_the_portals(expected_paths: int = 1) -> None:
    assert mail.outbox, "no e-mail was sent"
    for message in mail.outbox:
        bodies = [message.body, message.subject] + [c for c, _ in message.alternatives]
        for body in bodies:
            assert FORGED not in body
        links = re.findall(r"https?://[^\s\"<]+", message.body)
        assert len(links) >= expected_paths
        assert all(link.startswith(BASE + "/") for link in links), links


def test_a_reset_requested_from_the_login_page(member):
    forged_client().post(reverse("account_reset_password"), {"email": member.email})
    assert_links_are_the_portals()


def test_a_reset_requested_for_an_unknown_address():
    forged_client().post(reverse("account_reset_password"), {"email": "nobody@orga.example"})
    (message,) = mail.outbox
    assert FORGED not in message.body


def test_a_reset_an_admin_sends(org_admin, member):
    forged_client(org_admin).post(
        reverse("organisation:user-password-reset", kwargs={"user_id": member.pk})
    )
    assert_links_are_the_portals()


def test_an_invitation_and_its_resending(org_admin):
    client = forged_client(org_admin)
    client.post(
        reverse("organisation:invite"),
        {"email": "new@orga.example", "full_name": "New", "role": "user"},
    )
    invited = org_admin.organisation.users.get(email="new@orga.example")
    client.post(reverse("organisation:user-invite-resend", kwargs={"user_id": invited.pk}))
    assert len(mail.outbox) == 2
    assert_links_are_the_portals()


def test_an_invitation_to_an_address_with_an_account_elsewhere(org_admin, other_organisation):
    UserFactory(organisation=other_organisation, email="taken@orgb.example")
    forged_client(org_admin).post(
        reverse("organisation:invite"),
        {"email": "taken@orgb.example", "full_name": "T", "role": "user"},
    )
    assert_links_are_the_portals()


def test_the_first_admin_of_a_new_organisation():
    call_command(
        "create_organisation",
        "--mpid",
        "NEWO",
        "--name",
        "New Energy",
        "--roles",
        "X",
        "--admin-email",
        "first@newo.example",
    )
    assert_links_are_the_portals()
