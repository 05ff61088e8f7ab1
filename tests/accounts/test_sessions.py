import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.models import AccountEvent, AccountEventKind
from accounts.sessions import LAST_SEEN, LOGIN_AT
from tests.factories import TEST_PASSWORD

NEW_PASSWORD = "a-different-long-passphrase"


def _logged_in_client(user) -> Client:
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return client


def _age_session(client, *, login_ago: int, seen_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session[LOGIN_AT] = now - login_ago
    session[LAST_SEEN] = now - seen_ago
    session.save()


@pytest.mark.django_db
def test_a_session_ends_after_30_minutes_idle_with_a_message(member):
    client = _logged_in_client(member)
    _age_session(client, login_ago=31 * 60, seen_ago=31 * 60)
    response = client.get("/", follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("account_login"))
    assert "no activity for 30 minutes" in response.content.decode()
    assert AccountEvent.objects.filter(kind=AccountEventKind.SESSION_EXPIRED).exists()
    assert not AccountEvent.objects.filter(kind=AccountEventKind.LOGGED_OUT).exists()


@pytest.mark.django_db
def test_an_active_session_continues_within_the_idle_limit(member):
    client = _logged_in_client(member)
    _age_session(client, login_ago=11 * 60 * 60, seen_ago=29 * 60)
    assert client.get("/").status_code == 200
    assert client.session[LAST_SEEN] >= int(time.time()) - 1


@pytest.mark.django_db
def test_a_session_ends_12_hours_after_login_however_active(member):
    client = _logged_in_client(member)
    _age_session(client, login_ago=12 * 60 * 60 + 5, seen_ago=10)
    response = client.get("/", follow=True)
    assert "a session lasts at most 12 hours" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_session_cookie_ends_with_the_browser(member):
    client = _logged_in_client(member)
    assert client.session.get_expire_at_browser_close()


@pytest.mark.django_db
def test_a_password_change_ends_the_users_other_sessions(member):
    laptop = _logged_in_client(member)
    phone = _logged_in_client(member)
    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": TEST_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert not Session.objects.filter(session_key=phone.session.session_key).exists()
    assert phone.get("/").status_code == 302
    event = AccountEvent.objects.get(kind=AccountEventKind.PASSWORD_CHANGED)
    assert event.detail == "1 other session ended"


@pytest.mark.django_db
def test_deactivation_ends_every_session_of_the_user(member, org_admin):
    session_one = _logged_in_client(member)
    session_two = _logged_in_client(member)
    admin = _logged_in_client(org_admin)
    admin.post(reverse("organisation:user-deactivate", kwargs={"user_id": member.pk}))
    for client in (session_one, session_two):
        assert not Session.objects.filter(session_key=client.session.session_key).exists()
        assert client.get("/").status_code == 302
    assert admin.get("/").status_code == 200


@pytest.mark.django_db
def test_stay_logged_in_counts_as_activity(client, member, settings):
    client.force_login(member)
    client.get("/")
    session = client.session
    session[LAST_SEEN] = int(time.time()) - settings.ACCOUNT_SESSION_IDLE_TIMEOUT + 60
    session.save()
    response = client.post("/accounts/session/keep-alive/")
    assert response.status_code == 204
    assert client.session[LAST_SEEN] >= int(time.time()) - 1


@pytest.mark.django_db
def test_stay_logged_in_after_the_timeout_is_sent_to_log_in(client, member, settings):
    client.force_login(member)
    client.get("/")
    session = client.session
    session[LAST_SEEN] = int(time.time()) - settings.ACCOUNT_SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.post("/accounts/session/keep-alive/")
    assert response.status_code == 302 and "/accounts/login/" in response.url
