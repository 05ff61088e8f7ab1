"""Company admin tools: the users CSV, deleting an account (anonymised, audit kept under
an anonymous id), closing dormant accounts after a warning, and an organisation always
keeping an active admin. Another organisation's admin reaches none of it."""

import csv
import io
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.utils import timezone

from accounts.models import AccountEvent, AccountEventKind, User
from accounts.roles import UserRole
from accounts.services import (
    AccountError,
    account_event_record,
    dormant_accounts_close,
    user_delete,
    user_reactivate,
    user_role_change,
)
from search.models import SearchAction, SearchEvent
from search.parsing import search_parse
from search.services import search_event_record
from tests.factories import UserFactory, totp_enable

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- The users CSV ----------------------------------------------------------------------------


def test_the_users_csv_lists_every_account_of_the_organisation(client, org_admin, member):
    member.last_login = timezone.now()
    member.save()
    totp_enable(member)
    invited = UserFactory(organisation=org_admin.organisation, email="new@orga.example")
    invited.set_unusable_password()
    invited.save()
    gone = UserFactory(organisation=org_admin.organisation, email="gone@orga.example")
    gone.is_active = False
    gone.save()
    client.force_login(org_admin)
    response = client.get("/organisation/users.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="users-ORGA.csv"'
    header, *rows = csv_rows(response)
    assert header == ["E-mail", "Name", "Role", "State", "Last log-in", "Two-factor", "Joined"]
    by_email = {row[0]: row for row in rows}
    assert set(by_email) == {
        "admin@orga.example",
        "member@orga.example",
        "new@orga.example",
        "gone@orga.example",
    }
    assert by_email["admin@orga.example"][2] == "Organisation admin"
    assert by_email["member@orga.example"][3:6][0] == "active"
    assert by_email["member@orga.example"][4]  # last log-in
    assert by_email["member@orga.example"][5] == "yes"
    assert by_email["new@orga.example"][3] == "invited"
    assert by_email["gone@orga.example"][3] == "deactivated"


def test_the_users_csv_writes_a_formula_inert(client, org_admin):
    UserFactory(organisation=org_admin.organisation, full_name="=HYPERLINK(1)")
    client.force_login(org_admin)
    rows = csv_rows(client.get("/organisation/users.csv"))
    assert "'=HYPERLINK(1)" in [row[1] for row in rows]


def test_another_organisations_admin_gets_only_their_own_users(client, outsider_admin, member):
    client.force_login(outsider_admin)
    rows = csv_rows(client.get("/organisation/users.csv"))
    assert [row[0] for row in rows[1:]] == ["admin@orgb.example"]


def test_a_plain_user_cannot_download_the_users(client, member):
    client.force_login(member)
    assert client.get("/organisation/users.csv").status_code == 404


# --- Deleting an account ----------------------------------------------------------------------


def test_deleting_an_account_anonymises_the_person_and_keeps_the_audit(client, org_admin, member):
    totp_enable(member)
    account_event_record(kind=AccountEventKind.INVITED, actor=org_admin, subject=member)
    search_event_record(
        user=member,
        action=SearchAction.SEARCH,
        channel="web",
        query=search_parse("SW1A 1AA"),
        result_count=0,
        ip_address="192.0.2.9",
    )
    client.force_login(org_admin)
    response = client.post(f"/organisation/users/{member.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == "/organisation/users/"

    member.refresh_from_db()
    anonymous = f"deleted-user-{member.pk}"
    assert member.email == f"{anonymous}@deleted.invalid"
    assert (member.full_name, member.is_active, member.has_usable_password()) == ("", False, False)
    assert member.deleted_at is not None
    assert not Authenticator.objects.filter(user=member).exists()
    # The audit rows are kept, naming the person by the anonymous id only.
    events = AccountEvent.objects.filter(subject=member)
    assert {event.subject_email for event in events} == {anonymous}
    assert events.filter(kind=AccountEventKind.DELETED, actor=org_admin).exists()
    assert not AccountEvent.objects.filter(subject_email__icontains="member@orga").exists()
    assert not AccountEvent.objects.filter(actor_email__icontains="member@orga").exists()
    assert SearchEvent.objects.get().user_id == member.pk
    # Gone from the admin's screens and the CSV; the address is free for a new account.
    assert client.get(f"/organisation/users/{member.pk}/").status_code == 404
    assert "member@orga" not in client.get("/organisation/users.csv").content.decode()
    UserFactory(organisation=org_admin.organisation, email="member@orga.example")


def test_a_deleted_account_cannot_log_in_or_be_reactivated(client, org_admin, member):
    member.set_password("s3cret-pass-word")
    member.save()
    user_delete(by=org_admin, user=member)
    assert not client.login(email="member@orga.example", password="s3cret-pass-word")
    member.refresh_from_db()
    with pytest.raises(AccountError, match="cannot be reactivated"):
        user_reactivate(by=org_admin, user=member)


def test_another_organisations_admin_cannot_delete_a_user(client, outsider_admin, member):
    client.force_login(outsider_admin)
    assert client.post(f"/organisation/users/{member.pk}/delete/").status_code == 404
    member.refresh_from_db()
    assert (member.email, member.deleted_at) == ("member@orga.example", None)
    assert not AccountEvent.objects.filter(kind=AccountEventKind.DELETED).exists()


def test_a_plain_user_cannot_delete_anyone(client, member, org_admin):
    client.force_login(member)
    assert client.post(f"/organisation/users/{org_admin.pk}/delete/").status_code == 404
    org_admin.refresh_from_db()
    assert org_admin.deleted_at is None


def test_an_admin_cannot_delete_their_own_account(client, org_admin):
    client.force_login(org_admin)
    client.post(f"/organisation/users/{org_admin.pk}/delete/")
    org_admin.refresh_from_db()
    assert org_admin.deleted_at is None


# --- At least one active admin ------------------------------------------------------------


def test_the_last_active_admin_cannot_be_demoted(org_admin):
    second = UserFactory(organisation=org_admin.organisation, role=UserRole.ORGANISATION_ADMIN)
    user_role_change(by=second, user=org_admin, role=UserRole.USER)
    with pytest.raises(AccountError, match="only active admin"):
        # org_admin is a plain user now; second is the last admin, demoted by a
        # service-desk style call that bypasses the self check.
        from accounts.services import _check_keeps_an_admin

        _check_keeps_an_admin(user=second, action="change the role of")
    assert User.objects.get(pk=second.pk).role == UserRole.ORGANISATION_ADMIN


# --- Dormant accounts -------------------------------------------------------------------------


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def test_an_account_is_warned_14_days_before_closing(org_admin, member):
    member.last_login = days_ago(77)
    member.save()
    org_admin.last_login = days_ago(1)
    org_admin.save()
    assert dormant_accounts_close() == {"warned": 1, "closed": 0, "kept_last_admin": 0}
    assert sorted(message.to[0] for message in mail.outbox) == [
        "admin@orga.example",
        "member@orga.example",
    ]
    assert "will be closed on" in mail.outbox[0].subject
    member.refresh_from_db()
    assert member.is_active and member.dormancy_warned_at is not None
    assert AccountEvent.objects.filter(
        kind=AccountEventKind.DORMANCY_WARNED, subject=member
    ).exists()
    # Once only.
    assert dormant_accounts_close()["warned"] == 0
    assert len(mail.outbox) == 2


def test_a_warned_account_is_closed_after_90_days(org_admin, member):
    org_admin.last_login = days_ago(1)
    org_admin.save()
    member.last_login = days_ago(91)
    member.dormancy_warned_at = days_ago(15)
    member.save()
    assert dormant_accounts_close()["closed"] == 1
    member.refresh_from_db()
    assert not member.is_active
    assert AccountEvent.objects.filter(
        kind=AccountEventKind.CLOSED_DORMANT, subject=member
    ).exists()


def test_an_account_is_never_closed_without_its_warning(org_admin, member):
    org_admin.last_login = days_ago(1)
    org_admin.save()
    member.last_login = days_ago(120)
    member.save()
    result = dormant_accounts_close()
    assert result == {"warned": 1, "closed": 0, "kept_last_admin": 0}
    member.refresh_from_db()
    assert member.is_active


def test_a_log_in_after_the_warning_keeps_the_account(org_admin, member):
    org_admin.last_login = days_ago(1)
    org_admin.save()
    member.dormancy_warned_at = days_ago(20)
    member.last_login = days_ago(5)
    member.save()
    assert dormant_accounts_close() == {"warned": 0, "closed": 0, "kept_last_admin": 0}


def test_an_invitation_never_used_counts_from_the_invitation(org_admin):
    invited = UserFactory(organisation=org_admin.organisation, date_joined=days_ago(80))
    org_admin.last_login = days_ago(1)
    org_admin.save()
    assert dormant_accounts_close()["warned"] == 1
    invited.refresh_from_db()
    assert invited.dormancy_warned_at is not None


def test_the_last_active_admin_is_warned_but_never_closed(org_admin, member):
    member.last_login = days_ago(1)
    member.save()
    org_admin.last_login = days_ago(100)
    org_admin.dormancy_warned_at = days_ago(20)
    org_admin.save()
    assert dormant_accounts_close() == {"warned": 0, "closed": 0, "kept_last_admin": 1}
    org_admin.refresh_from_db()
    assert org_admin.is_active


def test_service_admins_are_left_to_the_service_desk(service_admin):
    service_admin.last_login = days_ago(200)
    service_admin.save()
    assert dormant_accounts_close() == {"warned": 0, "closed": 0, "kept_last_admin": 0}


def test_the_days_are_settings(settings, org_admin, member):
    settings.ACCOUNT_DORMANT_DAYS = 30
    settings.ACCOUNT_DORMANT_WARNING_DAYS = 7
    org_admin.last_login = days_ago(1)
    org_admin.save()
    member.last_login = days_ago(24)
    member.save()
    assert dormant_accounts_close()["warned"] == 1


def test_the_beat_schedule_runs_the_task_daily():
    from config.celery import app

    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "accounts.tasks.dormant_accounts_close" in schedule
