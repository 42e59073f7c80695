from __future__ import annotations

from tests.batches.conftest import _media_in_tmp  # noqa: F401  (autouse fixture)
