from django.contrib.messages import get_messages

from registry.models import FlowFileStatus, MeteringPoint
from tests.factories import UserFactory, login_with_two_factors, totp_enable
from tests.registry.conftest import points, refresh_bytes, send


def test_a_service_admin_processes_a_rejected_file_again_from_the_admin(
    client, settings, distributor, django_capture_on_commit_callbacks
):
    from accounts.roles import UserRole

    data = refresh_bytes(points(2)).replace(b"D0204002", b"D0204003", 1)
    rejected = send(data, sender=distributor)
    assert rejected.status == FlowFileStatus.REJECTED
    admin = UserFactory(
        organisation=distributor, role=UserRole.SERVICE_ADMIN, is_staff=True, is_superuser=True
    )
    totp_enable(admin)  # service admins must use two-factor authentication
    login_with_two_factors(client, admin)
    settings.DTC_ACCEPTED_VERSIONS = {"D0204": {"003"}}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/registry/flowfile/",
            {"action": "reprocess", "_selected_action": [rejected.pk]},
        )

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["1 file queued again."]
    rejected.refresh_from_db()
    assert rejected.status == FlowFileStatus.APPLIED
    assert MeteringPoint.objects.count() == 2
