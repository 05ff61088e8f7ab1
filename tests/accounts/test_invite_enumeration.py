"""Inviting an address that has an account elsewhere tells the admin nothing (issue 14,
item 10): the same page, status and work as any invitation; nothing changes."""

import pytest
from django.core import mail
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from accounts.models import AccountEvent, AccountEventKind, User
from accounts.queries import account_events_visible
from accounts.roles import UserRole
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def invite(admin, email: str):
    client = Client()
    client.force_login(admin)
    response = client.post(
        reverse("organisation:invite"),
        {"email": email, "full_name": "Someone", "role": UserRole.ORGANISATION_ADMIN},
    )
    followed = client.get(response.url) if response.status_code == 302 else response
    return response, followed


def answer(response, followed, email: str) -> tuple:
    """What the admin sees, with the address they typed taken out."""
    messages = [str(m) for m in followed.context["messages"]] if followed.context else []
    return (
        response.status_code,
        response.get("Location"),
        followed.status_code,
        [m.replace(email, "<email>") for m in messages],
        [t.name for t in followed.templates][:1],
    )


def test_an_address_with_an_account_in_another_organisation_gets_the_same_answer(
    org_admin, outsider_admin
):
    other = UserFactory(
        organisation=outsider_admin.organisation, email="target@orgb.example", full_name="T"
    )
    before = User.objects.filter(pk=other.pk).values().get()

    existing = invite(org_admin, "Target@OrgB.example")
    sent_for_existing = len(mail.outbox)
    fresh = invite(org_admin, "brand.new@orga.example")
    sent_for_fresh = len(mail.outbox) - sent_for_existing

    assert answer(*existing, "target@orgb.example") == answer(*fresh, "brand.new@orga.example")
    assert answer(*fresh, "brand.new@orga.example")[3] == [
        "Invitation sent to <email>. The link is valid for 3 days."
    ]
    # The same work in the request: one e-mail sent inside the transaction, each time.
    assert sent_for_existing == sent_for_fresh == 1
    # Nothing changed in the other organisation's account, and no account was made.
    assert User.objects.filter(pk=other.pk).values().get() == before
    assert User.objects.filter(email__iexact="target@orgb.example").count() == 1


def test_the_owner_of_the_address_is_told_and_only_the_desk_sees_the_attempt(
    org_admin, outsider_admin, service_admin
):
    other = UserFactory(organisation=outsider_admin.organisation, email="target@orgb.example")
    invite(org_admin, "target@orgb.example")

    (message,) = mail.outbox
    assert message.to == ["target@orgb.example"]
    assert "Organisation A (ORGA) tried to invite" in message.body
    assert "nothing was changed" in message.body
    assert "/accounts/invite/" not in message.body  # no link that could take the account

    event = AccountEvent.objects.get(kind=AccountEventKind.INVITED_EXISTING_ACCOUNT)
    assert (event.actor, event.subject, event.organisation) == (org_admin, other, None)
    assert account_events_visible(viewer=service_admin).filter(pk=event.pk).exists()
    for admin in (org_admin, outsider_admin):
        assert not account_events_visible(viewer=admin).filter(pk=event.pk).exists()


def test_a_hostile_admin_learns_nothing_from_a_failing_mail_server_either(
    org_admin, outsider_admin
):
    UserFactory(organisation=outsider_admin.organisation, email="target@orgb.example")
    with override_settings(EMAIL_BACKEND="tests.accounts.test_invite_enumeration.BrokenMail"):
        existing = invite(org_admin, "target@orgb.example")[1]
        fresh = invite(org_admin, "brand.new@orga.example")[1]
    errors = [
        r.context["form"].non_field_errors()[0].replace(email, "<email>")
        for r, email in ((existing, "target@orgb.example"), (fresh, "brand.new@orga.example"))
    ]
    assert errors[0] == errors[1]
    assert not User.objects.filter(email="brand.new@orga.example").exists()


def test_the_invitation_page_names_an_address_of_the_admins_own_organisation(org_admin, member):
    response = invite(org_admin, member.email)[0]
    assert response.status_code == 200
    assert "already has an account in your organisation" in response.content.decode()
    assert mail.outbox == []


class BrokenMail:
    """An e-mail backend whose server is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")
