from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse

from accounts.roles import UserRole
from reports.kinds import ReportKind
from reports.models import Report, ReportDownload
from reports.tasks import reports_purge_expired
from reports.views import REPORTS_PER_PAGE
from tests.factories import ReportFactory, UserFactory, totp_enable

LONDON = ZoneInfo("Europe/London")
CREATED = datetime(2019, 6, 27, 18, 0, tzinfo=LONDON)


def download_url(report):
    return reverse("reports:download", args=[report.pk])


def body(response) -> bytes:
    # Consuming the stream closes the file: the test client closes the response at its
    # end (closing it again would fire request_finished and drop the test's connection).
    return b"".join(response.streaming_content)


@pytest.fixture
def outsider(other_organisation):
    return UserFactory(organisation=other_organisation, email="outsider@orgb.example")


def test_the_reports_screen_needs_a_login(client, db):
    response = client.get(reverse("reports:list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_screen_lists_the_organisations_reports_newest_first_with_expiry(
    member_client, organisation
):
    with time_machine.travel(CREATED, tick=False):
        older = ReportFactory(organisation=organisation, title="Older report")
    with time_machine.travel(CREATED + timedelta(hours=1), tick=False):
        newer = ReportFactory(organisation=organisation, title="Newer report")

    response = member_client.get(reverse("reports:list"))

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [newer, older]
    html = response.content.decode()
    assert html.index("Newer report") < html.index("Older report")
    assert "available until <time" in html
    assert ">27/09/2019</time>" in html


def test_another_organisations_report_is_not_listed(
    member_client, organisation, other_organisation
):
    ReportFactory(organisation=other_organisation, title="Their report")
    ReportFactory(organisation=organisation, title="Our report")

    html = member_client.get(reverse("reports:list")).content.decode()

    assert "Our report" in html
    assert "Their report" not in html


def test_the_screen_filters_by_kind_and_created_date(member_client, organisation):
    with time_machine.travel(CREATED, tick=False):
        d0312 = ReportFactory(organisation=organisation, kind=ReportKind.D0312_PROCESSING)
    with time_machine.travel(CREATED + timedelta(days=3), tick=False):
        bulk = ReportFactory(organisation=organisation, kind=ReportKind.BULK_SEARCH)

    def listed(**query):
        response = member_client.get(reverse("reports:list"), query)
        return list(response.context["page"].object_list)

    assert listed(kind="d0312_processing") == [d0312]
    assert listed(created_from="2019-06-28") == [bulk]
    assert listed(created_to="2019-06-27") == [d0312]  # the whole last day counts
    assert listed(created_from="2019-06-27", created_to="2019-06-30") == [bulk, d0312]


def test_an_invalid_filter_shows_the_error_and_no_reports(member_client, organisation):
    ReportFactory(organisation=organisation)

    response = member_client.get(
        reverse("reports:list"), {"created_from": "2019-07-01", "created_to": "2019-06-01"}
    )

    assert list(response.context["page"].object_list) == []
    assert "The end date must be on or after the start date." in response.content.decode()


def test_the_screen_is_paged_and_keeps_the_filter(member_client, organisation):
    for _ in range(REPORTS_PER_PAGE + 1):
        ReportFactory(organisation=organisation, kind=ReportKind.BULK_SEARCH)

    first = member_client.get(reverse("reports:list"), {"kind": "bulk_search"})
    second = member_client.get(reverse("reports:list"), {"kind": "bulk_search", "page": 2})

    assert len(first.context["page"].object_list) == REPORTS_PER_PAGE
    assert "?kind=bulk_search&amp;page=2" in first.content.decode()
    assert len(second.context["page"].object_list) == 1


def test_a_member_downloads_a_report_as_an_attachment_and_it_is_audited(
    member_client, member, organisation
):
    report = ReportFactory(organisation=organisation, title="Bulk search result")

    response = member_client.get(download_url(report), REMOTE_ADDR="192.0.2.7")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="bulk-search-result-')
    assert body(response) == b"MPAN core,Postcode\r\n1800021679848,SW1A 1AA\r\n"
    audit = ReportDownload.objects.get()
    assert (audit.report, audit.user, audit.ip_address, audit.via_api) == (
        report,
        member,
        "192.0.2.7",
        False,
    )


def test_downloading_another_organisations_report_gives_404_and_is_not_audited(
    client, outsider, organisation
):
    report = ReportFactory(organisation=organisation)
    client.force_login(outsider)

    assert client.get(download_url(report)).status_code == 404
    assert not ReportDownload.objects.exists()


def test_a_user_without_an_organisation_sees_no_reports(client, organisation):
    report = ReportFactory(organisation=organisation)
    client.force_login(UserFactory(organisation=None))

    assert list(client.get(reverse("reports:list")).context["page"].object_list) == []
    assert client.get(download_url(report)).status_code == 404


def test_a_service_admin_sees_and_downloads_every_organisations_reports(
    client, organisation, other_organisation
):
    ours = ReportFactory(organisation=organisation)
    theirs = ReportFactory(organisation=other_organisation)
    admin = UserFactory(organisation=None, role=UserRole.SERVICE_ADMIN)
    totp_enable(admin)  # service admins must use two-factor authentication
    client.force_login(admin)

    response = client.get(reverse("reports:list"))

    assert set(response.context["page"].object_list) == {ours, theirs}
    assert "ORGB" in response.content.decode()
    download = client.get(download_url(theirs))
    assert download.status_code == 200
    body(download)
    assert ReportDownload.objects.get().organisation == other_organisation


def test_an_organisation_admin_does_not_see_other_organisations_reports(
    client, organisation, other_organisation
):
    theirs = ReportFactory(organisation=other_organisation)
    client.force_login(UserFactory(organisation=organisation, role=UserRole.ORGANISATION_ADMIN))

    assert client.get(download_url(theirs)).status_code == 404


def test_the_retention_boundary_downloadable_then_gone_then_purged(
    member_client, organisation, django_capture_on_commit_callbacks
):
    with time_machine.travel(CREATED, tick=False):
        report = ReportFactory(organisation=organisation, kind=ReportKind.D0312_PROCESSING)
    assert report.available_until == datetime(2019, 9, 27, 18, 0, tzinfo=LONDON)

    with time_machine.travel(report.available_until - timedelta(seconds=1), tick=False):
        response = member_client.get(download_url(report))
        assert response.status_code == 200
        assert body(response).startswith(b"MPAN core")

    with time_machine.travel(report.available_until + timedelta(seconds=1), tick=False):
        # Gone before the purge has run: the record and the file are still there.
        response = member_client.get(download_url(report))
        assert response.status_code == 410
        assert "expired at 18:00 on 27/09/2019" in response.content.decode()
        assert default_storage.exists(report.file.name)
        assert ReportDownload.objects.count() == 1  # the refused download is not audited

        with django_capture_on_commit_callbacks(execute=True):
            assert reports_purge_expired.delay().get()["reports"] == 1

    assert not Report.objects.filter(pk=report.pk).exists()
    assert not default_storage.exists(report.file.name)
    assert member_client.get(download_url(report)).status_code == 404


def test_an_expired_report_of_another_organisation_gives_404_not_410(
    client, outsider, organisation
):
    with time_machine.travel(CREATED, tick=False):
        report = ReportFactory(organisation=organisation)
    client.force_login(outsider)

    with time_machine.travel(report.available_until + timedelta(days=1), tick=False):
        assert client.get(download_url(report)).status_code == 404


def test_the_download_only_answers_get(member_client, organisation):
    report = ReportFactory(organisation=organisation)
    assert member_client.post(download_url(report)).status_code == 405
