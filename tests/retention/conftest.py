from __future__ import annotations

from tests.media import _media_in_tmp  # noqa: F401  (autouse fixture)
