import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_it_runs_on_the_database_that_database_url_names():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        assert connection.vendor == "postgresql"
        # Django's psycopg 3 pool is on, as the settings promise.
        assert "pool" in connection.settings_dict["OPTIONS"]
    else:
        assert connection.vendor == "sqlite"
    print(f"database vendor: {connection.vendor}")
