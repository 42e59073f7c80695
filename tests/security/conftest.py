from __future__ import annotations

from tests.billing.conftest import fake_stripe, pack, stripe_on  # noqa: F401  (fixtures)
from tests.worker import eager_celery  # noqa: F401  (fixture)
