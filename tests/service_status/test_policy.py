"""The access policy against a table written here: every service function, mode, persona
and retired state. A new service function fails `test_the_table_covers_every_function`
until it has a row."""

from datetime import UTC, datetime, timedelta

import pytest

from service_status import functions as sf
from service_status.policy import Persona, access, persona_of
from service_status.queries import OverrideInfo, Retirement, Snapshot, WindowInfo
from tests.factories import UserFactory

NOW = datetime(2019, 6, 28, 17, 30, tzinfo=UTC)  # 18:30 UK time
HOUR = timedelta(hours=1)
W, X = "works", 503
ALL = (W, W, W, W)
NONE = (X, X, X, X)
SERVICE_ADMINS = (X, X, X, W)

# function -> mode -> answers for (anonymous, user, organisation admin, service admin),
# when the function is not retired (SERVICE_STATUS_ADMINS_WHEN_OFFLINE on).
RESTRICTED_ONLY = {"normal": ALL, "restricted": NONE, "offline": NONE}
EXPECTED: dict[str, dict[str, tuple]] = {
    sf.PRIMARY_SEARCH: {"normal": ALL, "restricted": ALL, "offline": NONE},
    # Nobody is known before logging in; the login itself refuses all but service admins.
    sf.SIGN_IN: {"normal": ALL, "restricted": ALL, "offline": (W, X, X, W)},
    sf.USER_MANAGEMENT: {"normal": ALL, "restricted": ALL, "offline": NONE},
    sf.EXPORTS: RESTRICTED_ONLY,
    sf.USAGE_REPORTS: RESTRICTED_ONLY,
    sf.REPORTS: RESTRICTED_ONLY,
    sf.BULK_SEARCH: RESTRICTED_ONLY,
    sf.FLOW_UPLOAD: RESTRICTED_ONLY,
    sf.D0312_MAINTENANCE: RESTRICTED_ONLY,
    sf.ADMIN: {"normal": ALL, "restricted": SERVICE_ADMINS, "offline": SERVICE_ADMINS},
    sf.API_DOCS: RESTRICTED_ONLY,
    sf.HEALTH: {"normal": ALL, "restricted": ALL, "offline": ALL},
    sf.SERVICE_STATUS: {"normal": ALL, "restricted": ALL, "offline": ALL},
    sf.STATIC: {"normal": ALL, "restricted": ALL, "offline": ALL},
    sf.OTHER: RESTRICTED_ONLY,
}
# With SERVICE_STATUS_ADMINS_WHEN_OFFLINE off, offline is offline for service admins too.
OFFLINE_WITHOUT_ADMINS = {sf.SIGN_IN: NONE, sf.ADMIN: NONE}


def snapshot(mode: str, *, retired: str | None = None) -> Snapshot:
    """`mode` from an hour ago to an hour from now; `retired` retired since yesterday."""
    windows = ()
    if mode != "normal":
        windows = (WindowInfo(1, mode, NOW - HOUR, NOW + HOUR, "DTC 12.5", ""),)
    retirements = {}
    if retired:
        retirements[retired] = Retirement(retired, "label", NOW - 24 * HOUR, "Use MPAS.")
    return Snapshot(None, windows, retirements, (), NOW)


def answer(decision) -> object:
    return W if decision.status == 200 else decision.status


CASES = [
    (function, mode, retired)
    for function in sf.FUNCTIONS_BY_NAME
    for mode in ("normal", "restricted", "offline")
    for retired in ((False, True) if sf.service_function(function).retirable else (False,))
]


def test_the_table_covers_every_function():
    assert set(EXPECTED) == set(sf.FUNCTIONS_BY_NAME)


@pytest.mark.parametrize(("function", "mode", "retired"), CASES)
def test_the_policy_answers_as_the_table_says(settings, function, mode, retired):
    settings.SERVICE_STATUS_ADMINS_WHEN_OFFLINE = True
    state = snapshot(mode, retired=function if retired else None)
    answers = []
    for persona in Persona:
        decision = access(function=function, persona=persona, at=NOW, snapshot=state)
        answers.append(answer(decision))
        if decision.status == 503:
            # Every planned refusal says until when: the window's end, or later.
            assert decision.available_from is not None
            assert decision.retry_after == int((decision.available_from - NOW).total_seconds())
        else:
            assert decision.retry_after is None
    expected = (410,) * 4 if retired else EXPECTED[function][mode]
    assert tuple(answers) == expected


@pytest.mark.parametrize("function", sorted(OFFLINE_WITHOUT_ADMINS))
def test_offline_is_offline_for_service_admins_too_when_the_setting_is_off(settings, function):
    settings.SERVICE_STATUS_ADMINS_WHEN_OFFLINE = False
    answers = tuple(
        answer(access(function=function, persona=p, at=NOW, snapshot=snapshot("offline")))
        for p in Persona
    )
    assert answers == OFFLINE_WITHOUT_ADMINS[function]


def test_a_retired_function_is_gone_in_every_mode_with_no_retry_after():
    for mode in ("normal", "restricted", "offline"):
        decision = access(
            function=sf.D0312_MAINTENANCE,
            persona=Persona.USER,
            at=NOW,
            snapshot=snapshot(mode, retired=sf.D0312_MAINTENANCE),
        )
        assert (decision.status, decision.retry_after) == (410, None), mode
        assert decision.message == "Use MPAS."


def test_a_function_retired_later_works_until_then():
    state = Snapshot(
        None, (), {sf.BULK_SEARCH: Retirement(sf.BULK_SEARCH, "", NOW + HOUR, "")}, (), NOW
    )
    assert access(function=sf.BULK_SEARCH, at=NOW, snapshot=state).status == 200
    assert access(function=sf.BULK_SEARCH, at=NOW + HOUR, snapshot=state).status == 410


def test_a_refusal_ending_where_a_retirement_starts_promises_no_return():
    state = Snapshot(
        None,
        (WindowInfo(1, "offline", NOW - HOUR, NOW + HOUR, "deploying", ""),),
        {sf.REPORTS: Retirement(sf.REPORTS, "", NOW + HOUR, "gone")},
        (),
        NOW,
    )
    decision = access(function=sf.REPORTS, at=NOW, snapshot=state)
    assert (decision.status, decision.available_from, decision.retry_after) == (503, None, None)


def test_until_when_follows_back_to_back_windows():
    state = Snapshot(
        None,
        (
            WindowInfo(1, "restricted", NOW - HOUR, NOW + 5 * HOUR, "release", ""),
            WindowInfo(2, "offline", NOW - HOUR, NOW + HOUR, "deploying", ""),
        ),
        {},
        (),
        NOW,
    )
    assert access(function=sf.PRIMARY_SEARCH, at=NOW, snapshot=state).available_from == NOW + HOUR
    assert access(function=sf.REPORTS, at=NOW, snapshot=state).available_from == NOW + 5 * HOUR
    assert access(path="/search/export.csv", at=NOW, snapshot=state).retry_after == 5 * 3600


def test_a_manual_mode_without_an_end_gives_no_time_to_come_back():
    state = Snapshot(OverrideInfo("offline", None, "incident", "", NOW), (), {}, (), NOW)
    decision = access(function=sf.REPORTS, at=NOW, snapshot=state)
    assert (decision.status, decision.available_from, decision.retry_after) == (503, None, None)
    assert "check the service status page" in decision.message


def test_a_path_is_answered_as_its_function():
    state = snapshot("restricted")
    assert access(path="/search/", at=NOW, snapshot=state).status == 200
    assert access(path="/search/usage/", at=NOW, snapshot=state).status == 503
    assert access(path="/organisation/api-keys/", at=NOW, snapshot=state).status == 200


def test_asking_about_both_a_path_and_a_function_is_a_mistake():
    with pytest.raises(TypeError):
        access(path="/", function=sf.PRIMARY_SEARCH)


@pytest.mark.django_db
def test_each_user_is_asked_about_as_their_persona(organisation, service_admin):
    assert persona_of(None) == Persona.ANONYMOUS
    assert persona_of(UserFactory(organisation=organisation)) == Persona.USER
    admin = UserFactory(organisation=organisation, role="org_admin")
    assert persona_of(admin) == Persona.ORG_ADMIN
    assert persona_of(service_admin) == Persona.SERVICE_ADMIN
    # Such a row cannot be saved any more (staff and superusers are service admins),
    # but an unsaved one still counts as the desk.
    assert persona_of(UserFactory.build(organisation=organisation, is_superuser=True)) == (
        Persona.SERVICE_ADMIN
    )
