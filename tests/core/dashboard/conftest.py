"""The province of the circulars' tests, reused for the dashboard's figures."""
from __future__ import annotations

from tests.core.circulars.conftest import local_today, province, today  # noqa: F401
