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
