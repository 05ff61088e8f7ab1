import pytest
from django.test import RequestFactory

from core.http import client_ip


def request(remote="203.0.113.5", forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_trusted_proxies_the_connection_address_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(forwarded="198.51.100.1")) == "203.0.113.5"


def test_with_one_trusted_proxy_the_last_forwarded_address_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote the first address itself; only the proxy's last one counts.
    assert client_ip(request(forwarded="10.9.9.9, 198.51.100.1")) == "198.51.100.1"


def test_with_two_trusted_proxies_the_second_from_the_right_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request(forwarded="10.9.9.9, 198.51.100.1, 192.0.2.44")) == "198.51.100.1"


@pytest.mark.parametrize("forwarded", [None, "", "198.51.100.1", "not-an-ip, 192.0.2.44"])
def test_a_request_that_did_not_come_through_the_proxies_has_no_address(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request(forwarded=forwarded)) is None


def test_an_ipv6_address_is_normalised(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(remote="2001:DB8::0001")) == "2001:db8::1"


def test_no_request_no_address():
    assert client_ip(None) is None


@pytest.mark.django_db
def test_the_search_audit_records_the_forwarded_client(settings, client, member):
    from search.models import SearchEvent

    settings.TRUSTED_PROXY_COUNT = 1
    client.force_login(member)
    client.get("/search/", {"q": "SW1A 1AA"}, HTTP_X_FORWARDED_FOR="198.51.100.7, 192.0.2.10")
    assert SearchEvent.objects.get().ip_address == "192.0.2.10"


@pytest.mark.django_db
def test_the_login_audit_records_the_forwarded_client(settings, client, member):
    from accounts.models import AccountEvent
    from tests.factories import TEST_PASSWORD

    settings.TRUSTED_PROXY_COUNT = 1
    client.post(
        "/accounts/login/",
        {"login": member.email, "password": TEST_PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.10",
    )
    assert AccountEvent.objects.get(kind="logged_in").ip_address == "192.0.2.10"
