import pytest
from django.urls import reverse

from accounts.models import AccountEvent, AccountEventKind
from tests.factories import TEST_PASSWORD

TOO_MANY = "logging in with a password is paused for 15 minutes. To get in now, use"


def _login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


@pytest.mark.django_db
def test_repeated_wrong_passwords_lock_the_account_with_a_clear_message(client, member):
    for _ in range(5):
        response = _login(client, member.email, "wrong-password")
        assert response.status_code == 200
        assert TOO_MANY not in response.content.decode()
    response = _login(client, member.email, "wrong-password")
    assert TOO_MANY in response.content.decode()
    # Even the right password is refused while the lock-out lasts.
    response = _login(client, member.email, TEST_PASSWORD)
    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccountEvent.objects.filter(kind=AccountEventKind.LOGIN_FAILED).count() == 5
    locked = AccountEvent.objects.filter(kind=AccountEventKind.LOCKED_OUT, subject=member)
    assert locked.count() == 2
    assert locked.first().organisation == member.organisation


@pytest.mark.django_db
def test_the_lock_out_is_per_account(client, member, org_admin):
    for _ in range(6):
        _login(client, member.email, "wrong-password")
    response = _login(client, org_admin.email, TEST_PASSWORD)
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_login_is_audited_with_the_address(client, member):
    _login(client, member.email, TEST_PASSWORD)
    event = AccountEvent.objects.get(kind=AccountEventKind.LOGGED_IN)
    assert (event.actor, event.subject, event.organisation) == (
        member,
        member,
        member.organisation,
    )
    assert event.ip_address == "127.0.0.1"


@pytest.mark.django_db
def test_a_failed_login_for_an_unknown_address_is_audited_without_an_organisation(client):
    response = _login(client, "nobody@nowhere.example", "whatever-password")
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )
    event = AccountEvent.objects.get(kind=AccountEventKind.LOGIN_FAILED)
    assert event.subject is None and event.organisation is None
    assert event.subject_email == "nobody@nowhere.example"


@pytest.mark.django_db
def test_login_gives_a_new_session_key(client, member):
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    _login(client, member.email, TEST_PASSWORD)
    assert client.session.session_key != before


@pytest.mark.django_db
def test_a_deactivated_user_cannot_log_in(client, member):
    member.is_active = False
    member.save()
    response = _login(client, member.email, TEST_PASSWORD)
    assert "_auth_user_id" not in client.session
    assert response.url == reverse("account_inactive")


@pytest.mark.django_db
def test_there_is_no_public_sign_up(client):
    response = client.get(reverse("account_signup"))
    assert "<h1>Accounts are created by invitation</h1>" in response.content.decode()
    assert "<form" not in response.content.decode()


def test_a_user_cannot_add_or_change_their_email_address_themselves(client, member):
    from allauth.account.models import EmailAddress

    client.force_login(member)
    page = client.get("/accounts/email/")
    assert page.status_code == 200
    assert "To change it, ask your" in page.content.decode()
    response = client.post("/accounts/email/", {"action_add": "", "email": "me@elsewhere.example"})
    assert response.status_code == 405
    assert not EmailAddress.objects.filter(email="me@elsewhere.example").exists()
    member.refresh_from_db()
    assert member.email == "member@orga.example"
