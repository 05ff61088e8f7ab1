import pytest

from service_status import functions as sf


@pytest.mark.parametrize(
    ("path", "function"),
    [
        ("/", sf.PRIMARY_SEARCH),
        ("/search/", sf.PRIMARY_SEARCH),
        ("/api/v1/metering-points/1800021679848/", sf.PRIMARY_SEARCH),
        ("/accounts/password/reset/", sf.USER_MANAGEMENT),
        ("/organisation/users/", sf.USER_MANAGEMENT),
        ("/reports/", sf.REPORTS),
        ("/reports", sf.REPORTS),
        ("/api/v1/bulk-searches/7/", sf.BULK_SEARCH),
        ("/flows/upload/", sf.FLOW_UPLOAD),
        ("/flows/d0312/", sf.D0312_MAINTENANCE),
        ("/api/v1/flows/d0312/42/", sf.D0312_MAINTENANCE),
        ("/admin/service_status/", sf.ADMIN),
        ("/api/v1/something-new/", sf.API_OTHER),
        ("/health/ready/", sf.HEALTH),
        ("/service-status/feed/", sf.SERVICE_STATUS),
        ("/api/v1/service-status/", sf.SERVICE_STATUS),
        ("/static/css/ecoes.css", sf.STATIC),
        ("/reportsx/", sf.OTHER),
        ("/nowhere/", sf.OTHER),
    ],
)
def test_a_path_belongs_to_the_function_with_the_longest_prefix(path, function):
    assert sf.function_for_path(path).name == function


def test_an_unknown_function_name_is_refused_with_the_known_names():
    with pytest.raises(sf.UnknownServiceFunction, match="d0312_maintenance"):
        sf.service_function("d0312")


def test_health_and_the_status_page_cannot_be_retired():
    retirable = dict(sf.RETIRABLE_FUNCTION_CHOICES)
    assert sf.D0312_MAINTENANCE in retirable
    assert sf.HEALTH not in retirable
    assert sf.SERVICE_STATUS not in retirable
