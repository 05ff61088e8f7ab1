"""Account journeys in Chromium: invitation, admin-triggered reset, TOTP, MFA enforcement."""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import UserRole
from tests.factories import TEST_PASSWORD, UserFactory, totp_code

pytestmark = pytest.mark.browser

NEW_PASSWORD = "fresh-and-long-passphrase-2019"


def log_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def log_out(page) -> None:
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/accounts/login/|/$"))


def link_in(message, pattern: str) -> str:
    return re.search(pattern, message.body).group(0)


def test_an_admin_invites_a_user_who_sets_a_password_and_logs_in(
    live_server, page, org_admin, mailoutbox, settings
):
    settings.PORTAL_BASE_URL = live_server.url  # e-mailed links are built from it
    log_in(page, live_server.url, org_admin.email, TEST_PASSWORD)
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/organisation/users/invite/")
    page.get_by_label("E-mail address").fill("ivy.invitee@orga.example")
    page.get_by_label("Full name").fill("Ivy Invitee")
    page.get_by_label("Role").select_option(UserRole.USER.value)
    page.get_by_role("button", name="Send invitation").click()
    assert "Invitation sent to ivy.invitee@orga.example" in page.locator(".messages").inner_text()
    log_out(page)

    (message,) = mailoutbox
    page.goto(link_in(message, r"http://\S+/accounts/invite/\S+/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Set your password"
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    assert "Your password is set" in page.locator(".messages").inner_text()

    log_in(page, live_server.url, "ivy.invitee@orga.example", NEW_PASSWORD)
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Find a metering point"


def test_an_admin_triggers_a_password_reset_and_the_user_completes_it(
    live_server, page, org_admin, member, mailoutbox, settings
):
    settings.PORTAL_BASE_URL = live_server.url  # e-mailed links are built from it
    log_in(page, live_server.url, org_admin.email, TEST_PASSWORD)
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/organisation/users/")
    page.get_by_role("link", name=member.full_name).click()
    page.get_by_role("button", name="Send password reset e-mail").click()
    assert "A password reset e-mail has been sent" in page.locator(".messages").inner_text()
    log_out(page)

    (message,) = mailoutbox
    assert message.to == [member.email]
    page.goto(link_in(message, r"http://\S+/accounts/password/reset/key/\S+/"))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Type the new password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    page.wait_for_url(re.compile(r"/accounts/password/reset/key/done/"))

    log_in(page, live_server.url, member.email, TEST_PASSWORD)
    page.get_by_role("alert").wait_for()  # the old password no longer works (waits: no race)
    log_in(page, live_server.url, member.email, NEW_PASSWORD)
    page.wait_for_url(live_server.url + "/")


def test_a_user_enrols_totp_and_then_logs_in_with_a_code(live_server, page, member):
    log_in(page, live_server.url, member.email, TEST_PASSWORD)
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/accounts/2fa/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value().replace(" ", "")
    assert page.locator("img.qr-code").is_visible()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    assert page.get_by_label("Unused codes").input_value().strip()
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(live_server.url + "/")
    log_out(page)

    log_in(page, live_server.url, member.email, TEST_PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Log in", exact=True).click()
    page.locator("[data-error-summary]").wait_for()  # waits: no race with the reload
    assert "That code is not right." in page.locator("main").inner_text()
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Find a metering point"


def test_a_user_of_an_mfa_required_organisation_cannot_reach_search_before_enrolling(
    live_server, page, organisation
):
    organisation.mfa_required = True
    organisation.save()
    user = UserFactory(organisation=organisation, email="new@orga.example", full_name="Nia New")

    log_in(page, live_server.url, user.email, TEST_PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    assert "must use two-factor authentication" in page.locator(".messages").inner_text()
    for path in ["/", "/organisation/", "/accounts/password/change/"]:
        page.goto(live_server.url + path)
        assert page.url.endswith("/accounts/2fa/totp/activate/"), path

    secret = page.locator("#authenticator_secret").input_value().replace(" ", "")
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Find a metering point"


def test_a_wrong_password_change_shows_the_error_summary_which_takes_focus(
    live_server, page, member
):
    log_in(page, live_server.url, member.email, TEST_PASSWORD)
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/accounts/password/change/")
    page.get_by_label("Current password").fill("not-my-password")
    page.get_by_role("button", name="Change password").click()
    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    expect(summary).to_be_focused()  # not wait_for_function: its polling needs eval (CSP)
    assert page.title().startswith("Error: Change your password")
    links = summary.get_by_role("link")
    assert links.evaluate_all("els => els.map(a => a.getAttribute('href'))") == [
        "#id_oldpassword",
        "#id_password1",
        "#id_password2",
    ]
    assert page.locator("#id_password1").get_attribute("aria-invalid") == "true"
    summary.get_by_role("link", name="Enter a new password.").click()
    expect(page.locator("#id_password1")).to_be_focused()


def test_a_user_makes_new_recovery_codes_after_confirming_access(live_server, page, member):
    from tests.factories import totp_enable

    secret = totp_enable(member)
    log_in(page, live_server.url, member.email, TEST_PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/accounts/2fa/")
    assert page.get_by_role("heading", level=1).inner_text() == "Two-factor authentication"
    page.get_by_role("link", name="Make new codes").click()
    # Confirm access first: a wrong password shows the error summary.
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm access"
    page.get_by_role("button", name="Confirm").click()
    page.locator("[data-error-summary]").wait_for()
    assert page.title().startswith("Error: Confirm access")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/generate/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Make new recovery codes"
    page.get_by_role("button", name="Make new codes").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    assert page.get_by_label("Unused codes").input_value().strip()
