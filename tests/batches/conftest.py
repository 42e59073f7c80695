from __future__ import annotations

from tests.batches.s3server import moto_endpoint, s3_storage  # noqa: F401  (fixtures)
from tests.media import _media_in_tmp  # noqa: F401
