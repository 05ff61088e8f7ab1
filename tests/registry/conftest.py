import io
from datetime import UTC, date, datetime

import pytest

from accounts.roles import MarketRole
from bench.generate import (
    meter_information_write,
    metering_points,
    refresh_write,
    relationships_write,
)
from dtc import Instance
from registry.models import FlowFileChannel
from registry.services import flow_file_process, flow_file_receive
from tests.factories import OrganisationFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def distributor(db):
    return OrganisationFactory(mpid="LOND", name="London Power", role_codes=MarketRole.DISTRIBUTOR)


@pytest.fixture
def meter_operator(db):
    return OrganisationFactory(mpid="MTRW", name="Meterwise", role_codes=MarketRole.METER_OPERATOR)


@pytest.fixture
def mop_user(meter_operator):
    return UserFactory(organisation=meter_operator, email="mo@mtrw.example")


def points(count: int = 5, *, seed: int = 1) -> list[Instance]:
    """London (12) metering points; the first is MTRW's, the second another MOP's."""
    made = list(metering_points(count, distributor_id="12", seed=seed))
    made[0].items["mop_mpid"] = "MTRW"
    if count > 1:
        made[1].items["mop_mpid"] = "SIEM"
    return made


# A fixed creation time: the same points and file id give the same bytes (and checksum)
# whenever they are written, so "the same file sent twice" does not depend on the clock.
CREATED = datetime(2019, 6, 29, 6, 0, tzinfo=UTC)


def refresh_bytes(
    instances: list[Instance],
    *,
    refresh_type: str = "F",
    file_id="RF000001",
    distributor_id: str = "12",
    from_mpid: str | None = None,
):
    """A D0204 whose R01 names `distributor_id`, from that distributor's MPID unless
    `from_mpid` names another sender."""
    out = io.StringIO()
    refresh_write(
        out,
        points=iter(instances),
        distributor_id=distributor_id,
        refresh_type=refresh_type,
        file_id=file_id,
        created=CREATED,
    )
    return _from(out.getvalue().encode(), from_mpid)


def _from(data: bytes, mpid: str | None) -> bytes:
    """The file with its header's sender MPID replaced."""
    if mpid is None:
        return data
    header, rest = data.split(b"\n", 1)
    fields = header.split(b"|")
    fields[4] = mpid.encode()
    return b"|".join(fields) + b"\n" + rest


def meter_information_bytes(cores: list[str], *, mop: str = "MTRW") -> bytes:
    out = io.StringIO()
    meter_information_write(out, mop_mpid=mop, cores=cores)
    return out.getvalue().encode()


def relationships_bytes(pairs, *, action: str = "A", from_mpid: str = "LOND") -> bytes:
    out = io.StringIO()
    relationships_write(out, distributor_mpid=from_mpid, pairs=pairs)
    text = out.getvalue()
    if action == "R":
        text = text.replace("|A|", "|R|")
    return text.encode()


def send(data: bytes, *, sender=None, name: str = "flow.txt"):
    """Receive and process a file now, as the command line does."""
    flow_file = flow_file_receive(
        content=io.BytesIO(data),
        original_name=name,
        channel=FlowFileChannel.COMMAND,
        sender=sender,
        queue=False,
    )
    return flow_file_process(flow_file_id=flow_file.pk)


@pytest.fixture
def loaded(distributor):
    """A registry holding five London points from an applied full refresh."""
    from registry.models import FlowFileStatus

    flow_file = send(refresh_bytes(points(5)), sender=distributor)
    assert flow_file.status == FlowFileStatus.APPLIED
    return flow_file


def unknown_core() -> str:
    from bench.generate import mpan_core

    return mpan_core("12", 9_999_999_999)


EFFECTIVE = date(2019, 6, 29)
