"""Data items by market role, through every channel: the detail page, the results
page, the API (detail and list), the CSV export and bulk results. Each role sees
exactly the items search.data_items gives it, and a withheld item's value appears
nowhere in any response."""

import csv
import io
import json
from datetime import date

import pytest

from accounts.roles import MarketRole
from accounts.services import api_key_create
from bulk.services import bulk_search_run, bulk_search_submit
from search.data_items import (
    ALWAYS,
    DOCUMENT_PATHS,
    EVERY_ITEM,
    ITEMS_BY_ROLE,
    DataItem,
    data_items_for,
    data_items_for_roles,
    document_withhold,
)
from search.models import SearchChannel
from search.presentation import CSV_COLUMNS
from search.serializers import SUMMARY_ITEMS
from tests.factories import (
    MeterFactory,
    MeteringPointFactory,
    OrganisationFactory,
    RelatedMpanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = list(MarketRole)

# A distinctive value for each item that has one, to look for in every response.
VALUES = {
    DataItem.UPRN: "778899001122",
    DataItem.SUPPLIER: "QSUP",
    DataItem.METER_TIMESWITCH_CODE: "Q45",
    DataItem.LINE_LOSS_FACTOR_CLASS: "Q77",
    DataItem.STANDARD_SETTLEMENT_CONFIGURATION: "Q393",
    DataItem.METER_OPERATOR: "QMOP",
    DataItem.DATA_COLLECTOR: "QDCX",
    DataItem.DATA_AGGREGATOR: "QDAX",
    DataItem.METERS: "QSER12345",
}
# The detail page's row label of each item shown as a row.
PAGE_LABELS = {
    DataItem.UPRN: "UPRN",
    DataItem.SUPPLIER: "Supplier",
    DataItem.DISTRIBUTOR: "Distributor",
    DataItem.GSP_GROUP: "GSP group",
    DataItem.PROFILE_CLASS: "Profile class",
    DataItem.MEASUREMENT_CLASS: "Measurement class",
    DataItem.METER_TIMESWITCH_CODE: "Meter timeswitch code (MTC)",
    DataItem.LINE_LOSS_FACTOR_CLASS: "Line loss factor class (LLFC)",
    DataItem.STANDARD_SETTLEMENT_CONFIGURATION: "Standard settlement configuration (SSC)",
    DataItem.ENERGISATION_STATUS: "Energisation status",
    DataItem.DOMESTIC_PREMISES: "Domestic premises",
    DataItem.METER_OPERATOR: "Meter operator (MOP)",
    DataItem.DATA_COLLECTOR: "Data collector (DC)",
    DataItem.DATA_AGGREGATOR: "Data aggregator (DA)",
    DataItem.SMETS_VERSION: "SMETS version",
    DataItem.DCC_SERVICE_FLAG: "DCC service flag",
    DataItem.IHD_STATUS: "In-home display (IHD)",
}


@pytest.fixture
def point(db):
    point = MeteringPointFactory(
        uprn=VALUES[DataItem.UPRN],
        supplier_mpid=VALUES[DataItem.SUPPLIER],
        supplier_date=date(2019, 6, 28),
        mtc=VALUES[DataItem.METER_TIMESWITCH_CODE],
        llfc=VALUES[DataItem.LINE_LOSS_FACTOR_CLASS],
        ssc=VALUES[DataItem.STANDARD_SETTLEMENT_CONFIGURATION],
        mop_mpid=VALUES[DataItem.METER_OPERATOR],
        dc_mpid=VALUES[DataItem.DATA_COLLECTOR],
        da_mpid=VALUES[DataItem.DATA_AGGREGATOR],
        smets_version="SMETS2",
        ihd_status="I",
        has_related_mpans=True,
    )
    MeterFactory(metering_point=point, serial=VALUES[DataItem.METERS])
    RelatedMpanFactory(metering_point=point, related=MeteringPointFactory(postcode="E1 6AN"))
    return point


def user_of(role: MarketRole):
    organisation = OrganisationFactory(role_codes=role.value)
    return UserFactory(organisation=organisation)


def withheld_values(items) -> list[str]:
    return [value for item, value in VALUES.items() if item not in items]


def assert_nothing_withheld_in(text: str, items) -> None:
    for value in withheld_values(items):
        assert value not in text, value


# --- The table --------------------------------------------------------------------------------


def test_every_role_has_a_row_in_the_table():
    assert set(ITEMS_BY_ROLE) == set(MarketRole)


def test_a_meter_asset_provider_sees_its_meters_but_not_settlement_or_other_agents():
    items = data_items_for_roles("A")
    assert {DataItem.METERS, DataItem.ADDRESS, DataItem.SMETS_VERSION} <= items
    for withheld in (
        DataItem.PROFILE_CLASS,
        DataItem.LINE_LOSS_FACTOR_CLASS,
        DataItem.DATA_COLLECTOR,
        DataItem.DOMESTIC_PREMISES,
        DataItem.RELATED_MPANS,
        DataItem.IHD_STATUS,
    ):
        assert withheld not in items


def test_an_organisation_with_two_roles_sees_what_either_sees():
    assert data_items_for_roles("AC") == ITEMS_BY_ROLE[MarketRole.HH_DATA_COLLECTOR]
    assert data_items_for_roles("") == ALWAYS


def test_service_admins_see_everything(service_admin):
    assert data_items_for(user=service_admin) == EVERY_ITEM


def test_every_item_governs_a_part_of_the_api_document():
    assert set(DOCUMENT_PATHS) == EVERY_ITEM


def test_withholding_everything_leaves_what_finds_a_point():
    document = {
        "mpan_core": "1",
        "address": {"lines": [], "postcode": "", "uprn": "9"},
        "settlement": {"llfc": "x"},
    }
    document["settlement"] = {"line_loss_factor_class": "x"}
    assert document_withhold(document, ALWAYS) == {
        "mpan_core": "1",
        "address": {"lines": [], "postcode": ""},
    }


# --- Role x item x channel --------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES, ids=[role.name for role in ROLES])
def test_the_detail_page_shows_exactly_the_roles_items(client, point, role):
    client.force_login(user_of(role))
    page = client.get(f"/metering-points/{point.mpan_core}/").content.decode()
    items = ITEMS_BY_ROLE[role] | ALWAYS
    for item, label in PAGE_LABELS.items():
        assert (f'<th scope="row">{label}</th>' in page) == (item in items), item
    assert ('id="section-meters"' in page) == (DataItem.METERS in items)
    assert ('id="section-related"' in page) == (DataItem.RELATED_MPANS in items)
    assert_nothing_withheld_in(page, items)


@pytest.mark.parametrize("role", ROLES, ids=[role.name for role in ROLES])
def test_the_results_page_shows_exactly_the_roles_items(client, point, role):
    client.force_login(user_of(role))
    page = client.get("/search/", {"q": "SW1A 1AA"}).content.decode()
    items = ITEMS_BY_ROLE[role] | ALWAYS
    assert point.mpan_core in page
    assert ('<th scope="col">Supplier</th>' in page) == (DataItem.SUPPLIER in items)
    assert ('<th scope="col">Meter serials</th>' in page) == (DataItem.METERS in items)
    assert_nothing_withheld_in(page, items)


def _path_present(document: dict, path: tuple[str, ...]) -> bool:
    for key in path:
        if not isinstance(document, dict) or key not in document:
            return False
        document = document[key]
    return True


@pytest.mark.parametrize("role", ROLES, ids=[role.name for role in ROLES])
def test_the_api_detail_holds_exactly_the_roles_items(client, point, role):
    user = user_of(role)
    _, key = api_key_create(organisation=user.organisation, name="test", created_by=user)
    response = client.get(
        f"/api/v1/metering-points/{point.mpan_core}/", HTTP_AUTHORIZATION=f"Api-Key {key}"
    )
    assert response.status_code == 200
    document = response.json()
    items = ITEMS_BY_ROLE[role] | ALWAYS
    for item, paths in DOCUMENT_PATHS.items():
        for path in paths:
            assert _path_present(document, path) == (item in items), (item, path)
    assert_nothing_withheld_in(json.dumps(document), items)


@pytest.mark.parametrize("role", ROLES, ids=[role.name for role in ROLES])
def test_the_api_search_holds_exactly_the_roles_items(client, point, role):
    client.force_login(user_of(role))
    response = client.get("/api/v1/metering-points/", {"postcode": "SW1A 1AA"})
    (row,) = response.json()["results"]
    items = ITEMS_BY_ROLE[role] | ALWAYS
    for key, item in SUMMARY_ITEMS.items():
        assert (key in row) == (item in items), key
    assert_nothing_withheld_in(response.content.decode(), items)


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize("role", ROLES, ids=[role.name for role in ROLES])
def test_the_csv_export_holds_exactly_the_roles_columns(client, point, role):
    client.force_login(user_of(role))
    response = client.get("/search/export.csv", {"q": "SW1A 1AA"})
    text = b"".join(response.streaming_content).decode("utf-8")
    header, row = _csv(text)
    items = ITEMS_BY_ROLE[role] | ALWAYS
    assert header == [name for name, item in CSV_COLUMNS if item in items]
    assert len(row) == len(header)
    assert_nothing_withheld_in(text, items)


@pytest.mark.parametrize("role", ROLES, ids=[role.name for role in ROLES])
def test_bulk_results_hold_exactly_the_roles_columns(point, role, media_root):
    user = user_of(role)
    job = bulk_search_submit(
        organisation=user.organisation,
        kind="mpan",
        channel=SearchChannel.WEB,
        text=f"{point.mpan_core}\n",
        user=user,
        ip_address=None,
    )
    job = bulk_search_run(bulk_search_id=job.pk)
    with job.result.file.open("rb") as handle:
        text = handle.read().decode("utf-8")
    header, row = _csv(text)
    items = ITEMS_BY_ROLE[role] | ALWAYS
    assert header[4:] == [name for name, item in CSV_COLUMNS if item in items]
    assert len(row) == len(header)
    assert_nothing_withheld_in(text, items)


def test_the_user_guide_shows_the_table():
    from pathlib import Path

    from search.data_items import items_table_markdown

    guide = (Path(__file__).parents[2] / "docs" / "user-guide.md").read_text()
    assert items_table_markdown() in guide
