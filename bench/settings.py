"""Settings for the load benchmarks: the project's settings plus a bare view (``bench.urls``), served by gunicorn.

``BENCH_DECISION_CACHE`` (1 or 0) turns the entitlement decision cache on or off for a run, to measure checks
cached and uncached against the same server.
"""

import os

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ENTITLEMENT_DECISION_CACHE = os.environ.get("BENCH_DECISION_CACHE", "1") == "1"
# Persistent connections, as a production deployment would have them.
DATABASES["default"]["CONN_MAX_AGE"] = None  # noqa: F405
