"""Scoring tests use the small province of the review tests."""
from __future__ import annotations

# The same small province as the review tests.
from tests.core.review.conftest import app_config, province  # noqa: F401
