"""Settings for the benchmark's framework floor (bench/floor.py, bench_scale only): the
portal's, with the floor's URLs and no middleware but the one allauth refuses to start
without (it sets a context variable per request; the registry's models import the
accounts app, which needs allauth installed)."""

from config.settings import *  # noqa: F403 - the portal's settings, two of them replaced

ROOT_URLCONF = "bench.floor"
MIDDLEWARE = ["allauth.account.middleware.AccountMiddleware"]
