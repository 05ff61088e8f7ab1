import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import Organisation, User
from bench.demo_accounts import DEMO_PASSWORD, DEMO_USERS


@pytest.mark.django_db
def test_it_prints_working_demo_logins_and_can_run_twice(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert User.objects.count() == len(DEMO_USERS)
    assert Organisation.objects.count() == 4
    for demo in DEMO_USERS:
        assert demo.email in out
        assert authenticate(email=demo.email, password=DEMO_PASSWORD) is not None
    assert DEMO_PASSWORD in out
    assert "two-factor authentication" in out


@pytest.mark.django_db
def test_it_refuses_to_run_in_production(settings):
    from django.core.management.base import CommandError

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="never loaded"):
        call_command("seed_demo")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_prints_the_address_it_serves_on_and_searches_that_find_something(capsys):
    from search.parsing import search_parse
    from search.queries import metering_points_search
    from tests.factories import MeterFactory, MeteringPointFactory

    point = MeteringPointFactory(postcode="E13 0BZ")
    MeteringPointFactory(postcode="E13 0BZ")
    MeterFactory(metering_point=point, serial="K123456")
    call_command("seed_demo", "--port", "8123")
    out = capsys.readouterr().out
    assert "Open http://127.0.0.1:8123/" in out
    examples = out.split("Searches to try (taken from the demo data):\n")[1].splitlines()[:3]
    assert "A postcode (2 points)" in examples[1]
    for line in examples:
        text = line.split("  ")[-1].strip()
        assert metering_points_search(search_parse(text)).exists(), text


@pytest.mark.django_db
def test_every_example_the_search_page_and_the_guides_show_finds_something_in_the_demo(
    django_capture_on_commit_callbacks,
):
    from pathlib import Path

    from bench.demo_accounts import demo_data_load
    from bench.demo_examples import (
        EXAMPLE_ADDRESS,
        LARGE_POSTCODE,
        LARGE_POSTCODE_POINTS,
        SEARCH_EXAMPLES,
    )
    from bench.demo_registry import demo_registry_load
    from search.parsing import search_parse
    from search.queries import metering_points_search

    demo_data_load()
    with django_capture_on_commit_callbacks(execute=True):  # the address words' refresh
        demo_registry_load(count=300)
    for text in SEARCH_EXAMPLES:
        assert metering_points_search(search_parse(text)).exists(), text
    assert metering_points_search(search_parse(LARGE_POSTCODE)).count() == LARGE_POSTCODE_POINTS
    assert LARGE_POSTCODE_POINTS > 2 * 50
    assert "Flat 3" in str(
        metering_points_search(search_parse(EXAMPLE_ADDRESS)).first().address_line_1
    )
    root = Path(__file__).resolve().parents[2]
    shown = (root / "templates/search/_search_form.html").read_text()
    shown += (root / "README.md").read_text() + (root / "docs/user-guide.md").read_text()
    for text in SEARCH_EXAMPLES:
        assert text in shown, f"{text} is not shown anywhere: drop it from SEARCH_EXAMPLES"
    for old in ("1800021679848", "S 01 801 100 1800", "High Street, Leeds", "LS1 4AP"):
        assert old not in shown, old


@pytest.mark.django_db
def test_reset_demo_gives_back_every_demo_login_after_a_demo_changed_them(capsys):
    from allauth.mfa.models import Authenticator

    from accounts.services import user_delete
    from tests.factories import totp_enable

    call_command("seed_demo")
    admin = User.objects.get(email="admin@nlen.example")
    user = User.objects.get(email="user@nlen.example")
    desk = User.objects.get(email="desk@ecoe.example")
    totp_enable(desk)
    totp_enable(admin)
    admin.set_password("something-else-entirely")
    admin.save()
    User.objects.filter(email="user@lond.example").update(is_active=False)
    Organisation.objects.filter(mpid="NLEN").update(mfa_required=True)
    user_delete(by=admin, user=user)
    assert authenticate(email="admin@nlen.example", password=DEMO_PASSWORD) is None

    call_command("reset_demo")

    assert "Restored 5 demo accounts" in capsys.readouterr().out
    for demo in DEMO_USERS:
        assert authenticate(email=demo.email, password=DEMO_PASSWORD) is not None, demo.email
    assert not Authenticator.objects.filter(user__email__in=[d.email for d in DEMO_USERS]).exists()
    assert not Organisation.objects.filter(mfa_required=True).exists()
    # The deleted account stays anonymised (its audit names it); a new one takes its place.
    assert User.objects.filter(deleted_at__isnull=False, is_active=False).count() == 1


@pytest.mark.django_db
def test_reset_demo_refuses_to_run_in_production(settings):
    from django.core.management.base import CommandError

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="never reset"):
        call_command("reset_demo")
