import json
import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _fuzz_report():
    """benchmarks/fuzz_requests.py reads what the fuzz targets counted (FUZZ_REPORT: a JSON file)."""
    yield
    path = os.environ.get("FUZZ_REPORT")
    if path:
        from tests.security.fuzz import COUNTS

        with open(path, "w") as handle:
            json.dump([[target, status, count] for (target, status), count in sorted(COUNTS.items())], handle)
