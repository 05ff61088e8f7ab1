"""Audit records cannot be changed or deleted: not through the ORM, not in the admin, and
on PostgreSQL not even with raw SQL (core/audit.py)."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from accounts.models import AccountEvent
from accounts.services import account_event_record
from bulk.models import BulkSearchInput
from bulk.services import bulk_search_submit
from core.audit import AppendOnlyError, AppendOnlyModel
from reports.models import Report, ReportDownload
from reports.services import report_download_record, report_purge_expired
from search.models import SearchAction, SearchChannel, SearchEvent
from search.parsing import search_parse
from search.services import search_event_record
from service_status.models import ServiceStatusChange
from service_status.services import service_mode_set
from tests.conftest import missing_part
from tests.factories import ReportFactory, UserFactory, login_with_two_factors, mpan_core_for

pytestmark = pytest.mark.django_db


def _account_event(world):
    return account_event_record(kind="invited", actor=world.admin_a, subject=world.member_a)


def _search_event(world):
    return search_event_record(
        user=world.member_a,
        action=SearchAction.SEARCH,
        channel=SearchChannel.WEB,
        query=search_parse("SW1A 1AA"),
        result_count=1,
        ip_address="192.0.2.1",
    )


def _report_download(world):
    return report_download_record(report=world.report, user=world.member_a, ip_address=None)


def _bulk_search_input(world):
    job = bulk_search_submit(
        organisation=world.member_a.organisation,
        kind="mpan",
        channel=SearchChannel.WEB,
        text=mpan_core_for(1),
        user=world.member_a,
    )
    return BulkSearchInput.objects.get(bulk_search=job)


def _service_status_change(world):
    service_mode_set(mode="restricted", reason="Cut-over", actor=world.service_admin)
    return ServiceStatusChange.objects.latest()


# Each audit model, how to make one of its records, and a column to try to change.
AUDIT_MODELS = {
    AccountEvent: (_account_event, "detail"),
    SearchEvent: (_search_event, "query"),
    ReportDownload: (_report_download, "report_title"),
    ServiceStatusChange: (_service_status_change, "reason"),
    BulkSearchInput: (_bulk_search_input, "source_name"),
}


def test_every_append_only_model_is_checked_here():
    append_only = {
        model
        for model in apps.get_models()
        if issubclass(model, AppendOnlyModel) and not model._meta.abstract
    }
    assert append_only == set(AUDIT_MODELS)


@pytest.fixture(params=list(AUDIT_MODELS), ids=lambda model: model.__name__)
def audit_record(request, world):
    make, column = AUDIT_MODELS[request.param]
    return make(world), column


def test_a_record_cannot_be_saved_again(audit_record):
    record, column = audit_record
    setattr(record, column, "rewritten")
    with pytest.raises(AppendOnlyError, match="append-only"):
        record.save()


def test_a_record_cannot_be_deleted(audit_record):
    record, _ = audit_record
    with pytest.raises(AppendOnlyError):
        record.delete()


def test_a_queryset_cannot_update_or_delete_records(audit_record):
    record, column = audit_record
    model = type(record)
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=record.pk).update(**{column: "rewritten"})
    with pytest.raises(AppendOnlyError):
        model.objects.all().delete()
    setattr(record, column, "rewritten")
    with pytest.raises(AppendOnlyError), transaction.atomic():
        model.objects.bulk_update([record], [column])
    assert model.objects.filter(pk=record.pk).exists()


def test_the_admin_is_read_only(audit_record, service_admin):
    record, _ = audit_record
    model_admin = admin.site._registry[type(record)]
    request = RequestFactory().get("/admin/")
    request.user = service_admin
    assert model_admin.has_view_permission(request, record)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, record)
    assert not model_admin.has_delete_permission(request, record)


def test_a_service_admin_cannot_change_or_delete_a_record_in_the_admin(
    audit_record, client, service_admin
):
    record, column = audit_record
    login_with_two_factors(client, service_admin)
    meta = record._meta
    base = f"/admin/{meta.app_label}/{meta.model_name}/{record.pk}"
    assert client.get(f"{base}/change/").status_code == 200  # viewing is allowed
    assert client.post(f"{base}/change/", {column: "rewritten"}).status_code == 403
    assert client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    changelist = f"/admin/{meta.app_label}/{meta.model_name}/"
    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [record.pk]}
    )
    assert type(record).objects.filter(pk=record.pk).exists()
    assert response.status_code in (200, 302)


# --- PostgreSQL: the trigger ------------------------------------------------------------


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        missing_part("the audit triggers exist on PostgreSQL only (DATABASE_URL)")


def _raw(sql: str, params=()) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def test_raw_sql_cannot_update_a_record(postgresql, audit_record):
    record, column = audit_record
    table = connection.ops.quote_name(record._meta.db_table)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"UPDATE {table} SET {column} = %s WHERE id = %s", ["rewritten", record.pk])  # noqa: S608
    record.refresh_from_db()
    assert getattr(record, column) != "rewritten"


def test_raw_sql_cannot_delete_a_record(postgresql, audit_record):
    record, _ = audit_record
    table = connection.ops.quote_name(record._meta.db_table)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"DELETE FROM {table} WHERE id = %s", [record.pk])  # noqa: S608
    assert type(record).objects.filter(pk=record.pk).exists()


def test_raw_sql_may_only_null_the_report_of_a_download(postgresql, world):
    download = _report_download(world)
    other = ReportFactory(organisation=world.report.organisation)
    with pytest.raises(DatabaseError, match="may only be set to NULL"):
        _raw(
            "UPDATE reports_reportdownload SET report_id = %s WHERE id = %s",
            [other.pk, download.pk],
        )
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(
            "UPDATE reports_reportdownload SET report_id = NULL, report_title = 'x' WHERE id = %s",
            [download.pk],
        )
    assert _raw("UPDATE reports_reportdownload SET report_id = NULL WHERE id = %s", [download.pk])


def test_the_purge_keeps_the_downloads_of_a_purged_report(postgresql, world):
    download = _report_download(world)
    report_purge_expired(now=world.report.available_until + timedelta(days=1))
    assert not Report.objects.filter(pk=world.report.pk).exists()
    download = ReportDownload.objects.get(pk=download.pk)
    assert download.report_id is None
    assert download.report_title == world.report.title


def test_a_deleted_user_leaves_the_service_status_audit_with_their_name(postgresql, world):
    admin_user = UserFactory(organisation=world.service_admin.organisation, role="service_admin")
    service_mode_set(mode="restricted", reason="Cut-over", actor=admin_user)
    change = ServiceStatusChange.objects.latest()
    admin_user.delete()
    change = ServiceStatusChange.objects.get(pk=change.pk)
    assert change.actor_id is None
    assert change.actor_label


def test_every_audit_table_has_its_trigger(postgresql):
    tables = {model._meta.db_table for model in AUDIT_MODELS}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname = c.relname || '_append_only' AND NOT t.tgisinternal"
        )
        assert {row[0] for row in cursor.fetchall()} == tables


def test_raw_sql_may_only_anonymise_the_email_copies_of_an_account_event(postgresql, world):
    event = _account_event(world)
    with pytest.raises(DatabaseError, match="may only be anonymised"):
        _raw(
            "UPDATE accounts_accountevent SET subject_email = %s WHERE id = %s",
            ["someone@else.example", event.pk],
        )
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(
            "UPDATE accounts_accountevent SET subject_email = %s, detail = 'x' WHERE id = %s",
            ["deleted-user-1", event.pk],
        )
    assert _raw(
        "UPDATE accounts_accountevent SET subject_email = %s, actor_email = %s WHERE id = %s",
        ["deleted-user-1", "deleted-user-2", event.pk],
    )
