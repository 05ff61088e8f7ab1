import re
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.urls import reverse

from accounts.models import AccountEvent, AccountEventKind
from tests.factories import TEST_PASSWORD

NEW_PASSWORD = "another-long-passphrase-27"


def _reset_link(message) -> str:
    base = re.escape(settings.PORTAL_BASE_URL.rstrip("/"))
    return re.search(base + r"(/accounts/password/reset/key/\S+/)", message.body).group(1)


def _complete(client, link: str, password: str = NEW_PASSWORD):
    response = client.get(link)  # allauth moves the key into the session, then redirects
    assert response.status_code == 302
    return client.post(response.url, {"password1": password, "password2": password}, follow=True)


@pytest.mark.django_db
def test_an_admin_triggers_a_reset_and_the_user_completes_it(client, org_admin, member):
    client.force_login(org_admin)
    response = client.post(
        reverse("organisation:user-password-reset", kwargs={"user_id": member.pk}), follow=True
    )
    assert "A password reset e-mail has been sent" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == [member.email]
    assert "1 hour" in message.body
    requested = AccountEvent.objects.get(kind=AccountEventKind.PASSWORD_RESET_REQUESTED)
    assert (requested.actor, requested.subject) == (org_admin, member)

    client.logout()
    _complete(client, _reset_link(message))
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert AccountEvent.objects.filter(
        kind=AccountEventKind.PASSWORD_RESET_COMPLETED, subject=member
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("minutes_later", "works"), [(59, True), (61, False)])
def test_a_reset_link_works_for_one_hour(client, member, monkeypatch, minutes_later, works):
    client.post(reverse("account_reset_password"), {"email": member.email})
    link = _reset_link(mail.outbox[0])
    later = datetime.now() + timedelta(minutes=minutes_later)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    response = client.get(link, follow=True)
    assert ("This password reset link is not valid" in response.content.decode()) is not works
    member.refresh_from_db()
    assert member.check_password(TEST_PASSWORD)


@pytest.mark.django_db
def test_a_used_reset_link_is_refused(client, member):
    client.post(reverse("account_reset_password"), {"email": member.email})
    link = _reset_link(mail.outbox[0])
    _complete(client, link)
    response = client.get(link, follow=True)
    assert "This password reset link is not valid" in response.content.decode()


@pytest.mark.django_db
def test_a_reset_request_does_not_tell_whether_an_account_exists(client, member):
    known = client.post(reverse("account_reset_password"), {"email": member.email}, follow=True)
    unknown = client.post(
        reverse("account_reset_password"), {"email": "nobody@nowhere.example"}, follow=True
    )
    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200
    assert [m.to for m in mail.outbox] == [[member.email], ["nobody@nowhere.example"]]
    assert "no such account" in mail.outbox[1].body


@pytest.mark.django_db
def test_a_self_service_reset_request_is_audited(client, member):
    client.post(reverse("account_reset_password"), {"email": member.email})
    event = AccountEvent.objects.get(kind=AccountEventKind.PASSWORD_RESET_REQUESTED)
    assert event.subject == member and event.actor is None
    assert event.organisation == member.organisation


@pytest.mark.django_db
def test_an_admin_cannot_send_a_reset_to_a_deactivated_user(client, org_admin, member):
    member.is_active = False
    member.save()
    client.force_login(org_admin)
    response = client.post(
        reverse("organisation:user-password-reset", kwargs={"user_id": member.pk}), follow=True
    )
    assert "is deactivated; reactivate the account first" in response.content.decode()
    assert mail.outbox == []
