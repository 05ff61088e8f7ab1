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
