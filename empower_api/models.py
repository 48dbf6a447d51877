"""Every model, imported so the metadata is complete (Alembic, tests, create_all)."""

from __future__ import annotations

from empower_api import idempotency, response_cache
from empower_api.accounts import models as accounts_models
from empower_api.accounts import security_models
from empower_api.audit import models as audit_models
from empower_api.consents import models as consents_models
from empower_api.db import Base
from empower_api.grants import models as grants_models
from empower_api.jobs import models as jobs_models
from empower_api.jobs.applications import models as applications_models
from empower_api.moderation import models as moderation_models
from empower_api.notifications import models as notifications_models
from empower_api.savings import models as savings_models
from empower_api.training import models as training_models

metadata = Base.metadata

__all__ = [
    "accounts_models", "applications_models", "audit_models", "consents_models",
    "grants_models", "idempotency", "jobs_models", "metadata", "moderation_models",
    "notifications_models", "response_cache", "savings_models", "security_models",
    "training_models",
]
