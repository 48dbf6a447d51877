"""Every model, imported so the metadata is complete (Alembic, tests, create_all)."""

from __future__ import annotations

from empower_api import idempotency
from empower_api.accounts import models as accounts_models
from empower_api.audit import models as audit_models
from empower_api.db import Base
from empower_api.jobs import models as jobs_models
from empower_api.moderation import models as moderation_models
from empower_api.savings import models as savings_models
from empower_api.training import models as training_models

metadata = Base.metadata

__all__ = [
    "accounts_models", "audit_models", "idempotency", "jobs_models", "metadata",
    "moderation_models", "savings_models", "training_models",
]
