"""Every impact test starts with an empty figures cache."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_impact_cache(app) -> Iterator[None]:
    app.extensions.pop("impact_cache", None)
    yield
    app.extensions.pop("impact_cache", None)
