"""Hostile parties try to write registry data they are not responsible for.

On the real stack (PostgreSQL, so a refresh takes its fast path; Redis as cache and
broker), through every door a file comes in by: the upload page, the API, the
`ingest_flow` command, the inbox, and a service admin sending on a party's behalf.
Each attempt is refused, and the registry's rows (every column of every metering point,
meter and relationship) are the same afterwards.

The parties: Eastern Power (EELC, distributor 10) reaching into London's network (LOND,
distributor 12); a meter operator (HOST) writing meters of points it is not appointed
to; a supplier (SUPP) sending flows at all; and the organisation admins of both.
"""

import io
import re
import time

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from accounts.roles import MarketRole, UserRole
from bench.generate import metering_points, mpan_core
from registry.models import FlowFile, FlowFileStatus
from registry.services import flow_inbox_scan
from reports.kinds import ReportKind
from reports.models import Report
from tests.conftest import missing_part
from tests.factories import OrganisationFactory, UserFactory
from tests.registry.conftest import (
    meter_information_bytes,
    points,
    refresh_bytes,
    relationships_bytes,
    send,
)
from tests.security.snapshot import registry_changes, registry_snapshot


@pytest.fixture
def real_stack(db):
    if connection.vendor != "postgresql":
        missing_part(
            "the hostile-write tests need PostgreSQL (DATABASE_URL): the fast refresh path"
        )
    if not settings.REDIS_URL:
        missing_part("the hostile-write tests need Redis (REDIS_URL)")


class Registry:
    """London's five points (the first appointed to MTRW, linked to the second) and
    Eastern's three, loaded by their own distributors."""

    def __init__(self) -> None:
        self.london = OrganisationFactory(mpid="LOND", role_codes=MarketRole.DISTRIBUTOR)
        self.eastern = OrganisationFactory(mpid="EELC", role_codes=MarketRole.DISTRIBUTOR)
        self.mtrw = OrganisationFactory(mpid="MTRW", role_codes=MarketRole.METER_OPERATOR)
        self.host = OrganisationFactory(mpid="HOST", role_codes=MarketRole.METER_OPERATOR)
        self.supplier = OrganisationFactory(mpid="SUPP", role_codes=MarketRole.SUPPLIER)
        london = points(5)
        eastern = list(metering_points(3, distributor_id="10"))
        for data, sender in (
            (refresh_bytes(london), self.london),
            (refresh_bytes(eastern, distributor_id="10", file_id="RF000010"), self.eastern),
            (relationships_bytes([(self.core(london, 0), self.core(london, 1))]), self.london),
        ):
            assert send(data, sender=sender).status == FlowFileStatus.APPLIED
        self.london_cores = [self.core(london, n) for n in range(5)]
        self.eastern_cores = [self.core(eastern, n) for n in range(3)]
        self.unknown_core = mpan_core("12", 9_999_999_999)

    @staticmethod
    def core(instances, index: int) -> str:
        return instances[index].items["mpan_core"]


@pytest.fixture
def registry(real_stack, media_root):
    return Registry()


def person(organisation, role=UserRole.USER) -> Client:
    client = Client()
    user = UserFactory(organisation=organisation, role=role)
    client.force_login(user)
    return client


# --- the files a hostile party sends ----------------------------------------------------------


def eastern_refresh_of_london(refresh_type: str) -> bytes:
    """From EELC, with an R01 naming London (12) and London's points, changed."""
    changed = points(5)
    for point in changed:
        point.items["supplier_mpid"] = "EVIL"
    return refresh_bytes(
        changed[:2] if refresh_type == "S" else changed[:1],
        refresh_type=refresh_type,
        from_mpid="EELC",
        file_id=f"EV{refresh_type}0001",
    )


def eastern_refresh_holding_a_london_point(refresh_type: str) -> bytes:
    """From EELC, naming its own id (10), with one of London's points among its own."""
    london = points(1)[0]
    london.items.update(gsp_group="_A", supplier_mpid="EVIL")
    own = list(metering_points(3, distributor_id="10"))
    return refresh_bytes(
        [*own, london],
        refresh_type=refresh_type,
        distributor_id="10",
        file_id=f"EW{refresh_type}0001",
    )


def upload_page(client: Client, data: bytes, django_capture_on_commit_callbacks, name="f.txt"):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/flows/upload/", {"file": SimpleUploadedFile(name, data)})


def upload_api(client: Client, data: bytes, django_capture_on_commit_callbacks, name="f.txt"):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/api/v1/flows/", {"file": SimpleUploadedFile(name, data)})


def last_file() -> FlowFile:
    return FlowFile.objects.order_by("-pk").first()


def ingest(tmp_path, data: bytes, *, sender: str | None) -> FlowFile:
    path = tmp_path / f"cli-{FlowFile.objects.count()}.txt"
    path.write_bytes(data)
    arguments = [str(path)] + (["--sender", sender] if sender else [])
    with pytest.raises(CommandError, match="0 of 1 file"):
        call_command("ingest_flow", *arguments, stdout=io.StringIO(), stderr=io.StringIO())
    return last_file()


def assert_rejected(flow_file: FlowFile, *, reason: str, line: int | None = None) -> None:
    assert flow_file.status == FlowFileStatus.REJECTED, flow_file.errors
    [error] = flow_file.errors
    assert re.search(reason, error["reason"]), error
    if line is not None:
        assert error["line"] == line


OTHER_DISTRIBUTOR = r"may name only the sender's own distributor: R01 names 12"
NOT_ITS_POINT = r"may hold only the points of the distributor named in R01"


# --- a hostile distributor ------------------------------------------------------------------


@pytest.mark.parametrize("refresh_type", ["F", "S"])
def test_a_distributor_cannot_refresh_another_distributors_points_through_the_page(
    registry, refresh_type, django_capture_on_commit_callbacks
):
    before = registry_snapshot()

    response = upload_page(
        person(registry.eastern),
        eastern_refresh_of_london(refresh_type),
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 302
    assert_rejected(last_file(), reason=OTHER_DISTRIBUTOR, line=2)
    assert registry_changes(before) == {}


@pytest.mark.parametrize("refresh_type", ["F", "S"])
def test_a_distributor_cannot_refresh_another_distributors_points_through_the_api(
    registry, refresh_type, django_capture_on_commit_callbacks
):
    before = registry_snapshot()
    client = person(registry.eastern)

    response = upload_api(
        client, eastern_refresh_of_london(refresh_type), django_capture_on_commit_callbacks
    )

    assert response.status_code == 202
    status = client.get(response["Location"]).json()
    assert status["status"] == "rejected"
    assert re.search(OTHER_DISTRIBUTOR, status["errors"][0]["reason"])
    assert registry_changes(before) == {}


@pytest.mark.parametrize("refresh_type", ["F", "S"])
def test_a_distributor_cannot_slip_another_distributors_point_into_its_own_refresh(
    registry, refresh_type, tmp_path
):
    before = registry_snapshot()
    data = eastern_refresh_holding_a_london_point(refresh_type)

    flow_file = ingest(tmp_path, data, sender="EELC")

    london_line = next(
        n
        for n, line in enumerate(data.splitlines(), 1)
        if registry.london_cores[0].encode() in line
    )
    assert_rejected(flow_file, reason=NOT_ITS_POINT, line=london_line)
    assert registry_changes(before) == {}


def test_the_inbox_refuses_a_refresh_naming_another_distributor(registry, settings, tmp_path):
    settings.FLOW_INBOX_DIR = tmp_path / "inbox"
    settings.FLOW_INBOX_DIR.mkdir()
    (settings.FLOW_INBOX_DIR / "evil-full.txt").write_bytes(eastern_refresh_of_london("F"))
    (settings.FLOW_INBOX_DIR / "evil-mixed.txt").write_bytes(
        eastern_refresh_holding_a_london_point("S")
    )
    before = registry_snapshot()

    full, mixed = flow_inbox_scan()

    assert_rejected(full, reason=OTHER_DISTRIBUTOR, line=2)
    assert_rejected(mixed, reason=NOT_ITS_POINT)
    assert (full.sender, mixed.sender) == (registry.eastern, registry.eastern)
    assert registry_changes(before) == {}


def test_a_service_admin_sending_for_a_distributor_is_held_to_its_rules(
    registry, service_admin, django_capture_on_commit_callbacks
):
    before = registry_snapshot()
    client = Client()
    client.force_login(service_admin)

    upload_page(client, eastern_refresh_of_london("F"), django_capture_on_commit_callbacks)

    flow_file = last_file()
    assert flow_file.sender == registry.eastern
    assert_rejected(flow_file, reason=OTHER_DISTRIBUTOR)
    assert registry_changes(before) == {}


def test_a_distributor_cannot_send_a_file_in_another_distributors_name(
    registry, django_capture_on_commit_callbacks
):
    """The header names London, so R01 would be "its own": the header is checked first."""
    before = registry_snapshot()
    forged = eastern_refresh_of_london("F").replace(b"|R|EELC|", b"|R|LOND|", 1)

    upload_api(person(registry.eastern), forged, django_capture_on_commit_callbacks)

    assert_rejected(last_file(), reason="the header says the file is from LOND, but EELC sent it")
    assert registry_changes(before) == {}


@pytest.mark.parametrize("door", ["page", "api", "ingest_flow"])
def test_a_distributor_cannot_link_another_distributors_points(
    registry, door, tmp_path, django_capture_on_commit_callbacks
):
    before = registry_snapshot()
    own, london = registry.eastern_cores, registry.london_cores
    # A link of its own first, then London's points, then one across the boundary.
    data = relationships_bytes(
        [(own[0], own[1]), (london[2], london[3]), (own[2], london[4])], from_mpid="EELC"
    )

    if door == "ingest_flow":
        flow_file = ingest(tmp_path, data, sender="EELC")
    else:
        upload = upload_page if door == "page" else upload_api
        upload(person(registry.eastern), data, django_capture_on_commit_callbacks)
        flow_file = last_file()

    assert_rejected(
        flow_file,
        reason=r"may link only the sender's own metering points.*distributor 12's",
        line=3,
    )
    assert registry_changes(before) == {}


def test_a_distributor_cannot_unlink_another_distributors_points(
    registry, django_capture_on_commit_callbacks
):
    before = registry_snapshot()
    london = registry.london_cores
    data = relationships_bytes([(london[0], london[1])], action="R", from_mpid="EELC")

    upload_page(person(registry.eastern), data, django_capture_on_commit_callbacks)

    assert_rejected(last_file(), reason="may link only the sender's own metering points")
    assert registry_changes(before) == {}


# --- a hostile meter operator ----------------------------------------------------------------


@pytest.mark.parametrize("door", ["page", "api", "ingest_flow"])
def test_a_meter_operator_writes_no_meter_of_a_point_it_is_not_appointed_to(
    registry, door, tmp_path, django_capture_on_commit_callbacks
):
    before = registry_snapshot()
    mtrws, nobody_known = registry.london_cores[0], registry.unknown_core
    data = meter_information_bytes([mtrws, nobody_known], mop="HOST")
    client = person(registry.host)

    if door == "ingest_flow":
        path = _write(tmp_path, data)
        call_command("ingest_flow", path, "--sender", "HOST", stdout=io.StringIO())
        flow_file = last_file()
    else:
        upload = upload_page if door == "page" else upload_api
        upload(client, data, django_capture_on_commit_callbacks)
        flow_file = last_file()

    assert flow_file.status == FlowFileStatus.APPLIED
    assert (flow_file.accepted_count, flow_file.rejected_count) == (0, 2)
    assert [error["reason"] for error in flow_file.errors] == [
        f"MPAN core {mtrws}: not appointed to you",
        f"MPAN core {nobody_known}: not appointed to you",
    ]
    assert registry_changes(before) == {}
    # Nothing the sender sees names the appointed MOP, or tells a real point from none.
    seen = [
        client.get(f"/flows/{flow_file.pk}/").content.decode(),
        client.get("/flows/").content.decode(),
        client.get(f"/api/v1/flows/{flow_file.pk}/").content.decode(),
        _report_text(registry.host),
    ]
    for text in seen:
        assert "MTRW" not in text
        assert "not in the registry" not in text
        assert "appointed MOP is" not in text


def test_a_d0312_says_the_same_of_an_existing_point_and_of_none(
    registry, django_capture_on_commit_callbacks
):
    answers = []
    for core in (registry.london_cores[0], registry.unknown_core):
        flow_file = send(
            meter_information_bytes([core], mop="HOST"), sender=registry.host, name=core
        )
        report = Report.objects.filter(organisation=registry.host).order_by("-pk").first()
        answers.append(
            (
                [error["reason"].replace(core, "C") for error in flow_file.errors],
                flow_file.rejected_count,
                _report_text_of(report).replace(core, "C"),
            )
        )
    assert answers[0] == answers[1]


def test_a_meter_operator_may_not_send_refreshes_or_links(registry, tmp_path):
    before = registry_snapshot()
    refresh = refresh_bytes(points(1), refresh_type="S", from_mpid="HOST", file_id="MO1")
    links = relationships_bytes([tuple(registry.london_cores[:2])], from_mpid="HOST")

    for data in (refresh, links):
        assert_rejected(
            ingest(tmp_path, data, sender="HOST"), reason="may be sent only by a Distributor"
        )
    assert registry_changes(before) == {}


# --- a supplier and the organisation admins ------------------------------------------------------


@pytest.mark.parametrize("role", [UserRole.USER, UserRole.ORGANISATION_ADMIN])
def test_a_supplier_cannot_send_any_flow(
    registry, role, tmp_path, django_capture_on_commit_callbacks
):
    before = registry_snapshot()
    client = person(registry.supplier, role=role)
    files = [
        refresh_bytes(points(1), refresh_type="S", from_mpid="SUPP", file_id="SU1"),
        meter_information_bytes([registry.london_cores[0]], mop="SUPP"),
        relationships_bytes([tuple(registry.london_cores[:2])], from_mpid="SUPP"),
    ]
    for data in files:
        assert upload_page(client, data, django_capture_on_commit_callbacks).status_code == 403
        assert upload_api(client, data, django_capture_on_commit_callbacks).status_code == 403
        assert_rejected(ingest(tmp_path, data, sender="SUPP"), reason="may be sent only by a")
    assert not FlowFile.objects.filter(submitted_by__organisation=registry.supplier).exists()
    assert registry_changes(before) == {}


def test_a_distributors_organisation_admin_is_held_to_the_same_rules(
    registry, django_capture_on_commit_callbacks
):
    before = registry_snapshot()
    admin = person(registry.eastern, role=UserRole.ORGANISATION_ADMIN)

    upload_api(admin, eastern_refresh_of_london("F"), django_capture_on_commit_callbacks)
    assert_rejected(last_file(), reason=OTHER_DISTRIBUTOR)
    upload_page(
        admin, eastern_refresh_holding_a_london_point("S"), django_capture_on_commit_callbacks
    )
    assert_rejected(last_file(), reason=NOT_ITS_POINT)
    assert registry_changes(before) == {}


# --- oversize uploads ----------------------------------------------------------------------------


@pytest.mark.parametrize("door", ["page", "api"])
@pytest.mark.parametrize("size", ["just over the limit", "far over the limit"])
def test_an_oversize_upload_is_refused_and_nothing_is_stored(
    registry, door, size, settings, media_root, django_capture_on_commit_callbacks
):
    data = eastern_refresh_of_london("F")
    settings.FLOW_UPLOAD_MAX_BYTES = len(data) - 1 if size == "just over the limit" else 1000
    stored_before = sorted(media_root.rglob("*"))
    files_before = FlowFile.objects.count()
    before = registry_snapshot()
    upload = upload_page if door == "page" else upload_api
    if size == "far over the limit":
        data += b"\n" * 100_000

    response = upload(person(registry.eastern), data, django_capture_on_commit_callbacks)

    assert response.status_code == 413
    assert "the most the portal takes in one upload" in response.content.decode()
    assert FlowFile.objects.count() == files_before
    assert sorted(media_root.rglob("*")) == stored_before
    assert registry_changes(before) == {}


# --- through a real worker ----------------------------------------------------------------


@pytest.mark.worker
def test_a_real_worker_refuses_another_distributors_refresh_and_changes_nothing(
    registry, celery_worker_process
):
    """The file queued on Redis, applied by a `celery worker` process (the fast path)."""
    from config.celery import app as celery_app

    before = registry_snapshot()
    client = person(registry.eastern)
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = celery_worker_process
    try:
        response = client.post(
            "/api/v1/flows/",
            {"file": SimpleUploadedFile("evil.txt", eastern_refresh_of_london("F"))},
        )
        assert response.status_code == 202
        deadline = time.monotonic() + 60
        status = response.json()
        while status["status"] not in (FlowFileStatus.APPLIED, FlowFileStatus.REJECTED):
            assert time.monotonic() < deadline, "the worker did not finish within 60 s"
            time.sleep(0.3)
            status = client.get(response["Location"]).json()
    finally:
        celery_app.conf.task_default_queue = previous_queue

    assert status["status"] == FlowFileStatus.REJECTED
    assert re.search(OTHER_DISTRIBUTOR, status["errors"][0]["reason"])
    assert registry_changes(before) == {}


# --- helpers -------------------------------------------------------------------------------------


def _write(tmp_path, data: bytes) -> str:
    path = tmp_path / f"d0312-{FlowFile.objects.count()}.txt"
    path.write_bytes(data)
    return str(path)


def _report_text_of(report: Report) -> str:
    with report.file.open("rb") as stream:
        return stream.read().decode()


def _report_text(organisation) -> str:
    report = Report.objects.filter(
        organisation=organisation, kind=ReportKind.D0312_PROCESSING
    ).latest("pk")
    return _report_text_of(report)
