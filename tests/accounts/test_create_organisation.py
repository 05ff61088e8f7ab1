import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from accounts.models import AccountEvent, AccountEventKind, Organisation, User
from accounts.roles import UserRole


def _create(**options):
    defaults = {
        "mpid": "LOND",
        "name": "London Power Networks",
        "roles": "R",
        "admin_email": "First.Admin@lond.example",
    }
    call_command("create_organisation", **{**defaults, **options})


@pytest.mark.django_db
def test_it_creates_the_organisation_and_emails_its_first_admin(capsys, settings):
    settings.PORTAL_BASE_URL = "https://ecoes.example.org"
    _create(roles="X,R")
    organisation = Organisation.objects.get(mpid="LOND")
    assert organisation.role_codes == "RX"
    admin = User.objects.get(email="first.admin@lond.example")
    assert admin.organisation == organisation
    assert admin.role == UserRole.ORGANISATION_ADMIN
    assert not admin.has_usable_password()
    (message,) = mail.outbox
    assert re.search(r"https://ecoes\.example\.org/accounts/invite/\S+/", message.body)
    assert "LOND" in capsys.readouterr().out
    kinds = set(AccountEvent.objects.values_list("kind", flat=True))
    assert {AccountEventKind.ORGANISATION_CREATED, AccountEventKind.INVITED} <= kinds


@pytest.mark.django_db
@pytest.mark.parametrize("mpid", ["lond", "LON", "LO-D"])
def test_a_malformed_mpid_is_refused_and_nothing_is_created(mpid):
    with pytest.raises(CommandError, match="exactly 4 upper-case letters or digits"):
        _create(mpid=mpid)
    assert not Organisation.objects.exists()
    assert not User.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_unknown_role_code_is_refused():
    with pytest.raises(CommandError, match="Unknown market role code"):
        _create(roles="Q")
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_a_duplicate_mpid_is_refused():
    _create()
    with pytest.raises(CommandError, match="MPID already exists"):
        _create(admin_email="other@lond.example")
    assert Organisation.objects.count() == 1


@pytest.mark.django_db
def test_a_duplicate_admin_email_is_refused_and_the_organisation_is_not_kept(member):
    with pytest.raises(CommandError, match="already exists"):
        _create(admin_email=member.email.upper())
    assert not Organisation.objects.filter(mpid="LOND").exists()
    assert mail.outbox == []
