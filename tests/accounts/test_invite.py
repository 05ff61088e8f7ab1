import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.models import AccountEvent, AccountEventKind, User
from accounts.roles import UserRole
from accounts.tokens import invite_token_make
from tests.factories import UserFactory

NEW_PASSWORD = "a-long-new-passphrase-2019"


def _invite(client, admin, email="new.person@orga.example", role=UserRole.USER):
    client.force_login(admin)
    return client.post(
        reverse("organisation:invite"),
        {"email": email, "full_name": "New Person", "role": role},
        follow=True,
    )


def _link(message) -> str:
    base = re.escape(settings.PORTAL_BASE_URL.rstrip("/"))
    return re.search(base + r"(/accounts/invite/\S+/)", message.body).group(1)


@pytest.mark.django_db
def test_an_invite_makes_a_user_without_a_usable_password_and_emails_a_link(client, org_admin):
    response = _invite(client, org_admin)
    assert "Invitation sent to new.person@orga.example" in response.content.decode()
    user = User.objects.get(email="new.person@orga.example")
    assert user.organisation == org_admin.organisation
    assert user.role == UserRole.USER
    assert not user.has_usable_password()
    (message,) = mail.outbox
    assert message.to == ["new.person@orga.example"]
    assert "invited" in message.subject
    assert "text/html" in message.alternatives[0].mimetype
    assert _link(message) in message.alternatives[0].content
    event = AccountEvent.objects.get(kind=AccountEventKind.INVITED)
    assert (event.actor, event.subject, event.organisation) == (
        org_admin,
        user,
        org_admin.organisation,
    )
    assert event.ip_address == "127.0.0.1"


@pytest.mark.django_db
def test_an_address_already_in_the_admins_organisation_is_refused_plainly(
    client, org_admin, member
):
    response = _invite(client, org_admin, email="MEMBER@orga.example")
    assert "member@orga.example already has an account in your organisation" in (
        response.content.decode()
    )
    assert User.objects.filter(email__iexact="member@orga.example").count() == 1
    assert mail.outbox == []
    assert not AccountEvent.objects.filter(kind=AccountEventKind.INVITED).exists()


@pytest.mark.django_db
def test_the_invitee_sets_a_password_and_can_then_log_in(client, org_admin):
    _invite(client, org_admin)
    client.logout()
    link = _link(mail.outbox[0])
    assert "Set your password" in client.get(link).content.decode()
    response = client.post(
        link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert "Your password is set" in response.content.decode()
    response = client.post(
        reverse("account_login"),
        {"login": "new.person@orga.example", "password": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.url == "/"
    assert AccountEvent.objects.filter(kind=AccountEventKind.PASSWORD_SET).exists()


@pytest.mark.django_db
def test_a_used_invite_link_is_refused(client, org_admin):
    _invite(client, org_admin)
    client.logout()
    link = _link(mail.outbox[0])
    client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = client.get(link)
    assert response.status_code == 400
    assert "already been used" in response.content.decode()


@pytest.mark.django_db
def test_an_expired_invite_link_is_refused_and_changes_nothing(client, org_admin, settings):
    _invite(client, org_admin)
    client.logout()
    link = _link(mail.outbox[0])
    settings.ACCOUNT_INVITE_TIMEOUT = -1
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not User.objects.get(email="new.person@orga.example").has_usable_password()


@pytest.mark.django_db
def test_a_tampered_invite_link_is_refused(client, organisation):
    user = UserFactory(organisation=organisation)
    user.set_unusable_password()
    user.save()
    token = invite_token_make(user=user)
    response = client.get(reverse("account_invite_accept", kwargs={"token": token[:-2] + "xx"}))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


@pytest.mark.django_db
def test_a_weak_password_is_refused_with_the_reason(client, org_admin):
    _invite(client, org_admin)
    client.logout()
    response = client.post(
        _link(mail.outbox[0]), {"new_password1": "short", "new_password2": "short"}
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert not User.objects.get(email="new.person@orga.example").has_usable_password()


@pytest.mark.django_db
def test_a_new_invitation_makes_the_old_link_stop_working(client, org_admin):
    _invite(client, org_admin)
    user = User.objects.get(email="new.person@orga.example")
    old_link = _link(mail.outbox[0])
    client.post(reverse("organisation:user-invite-resend", kwargs={"user_id": user.pk}))
    assert len(mail.outbox) == 2
    client.logout()
    assert client.get(old_link).status_code == 400
    assert client.get(_link(mail.outbox[1])).status_code == 200


@pytest.mark.django_db
def test_a_deactivated_invitees_link_is_withdrawn(client, org_admin):
    _invite(client, org_admin)
    user = User.objects.get(email="new.person@orga.example")
    client.post(reverse("organisation:user-deactivate", kwargs={"user_id": user.pk}))
    client.logout()
    response = client.get(_link(mail.outbox[0]))
    assert response.status_code == 400
    assert "withdrawn" in response.content.decode()


@pytest.mark.django_db
def test_an_invite_whose_email_cannot_be_sent_changes_nothing(client, org_admin, monkeypatch):
    import smtplib

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    response = _invite(client, org_admin)
    assert "could not be sent" in response.content.decode()
    assert not User.objects.filter(email="new.person@orga.example").exists()
    assert not AccountEvent.objects.filter(kind=AccountEventKind.INVITED).exists()
