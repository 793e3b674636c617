"""Imports every core table so the metadata is complete."""
from core.access.models import Assignment, User  # noqa: F401
from core.access.tokens import ApiToken  # noqa: F401
from core.audit_direct import DirectChange  # noqa: F401
from core.audit_log import AuditEntry, AuditHead  # noqa: F401
from core.circulars.models import (  # noqa: F401
    Circular,
    CircularEntry,
    CircularRanking,
    Explanation,
    Referral,
    ReferralEvent,
    TypicalCase,
)
from core.idempotency import IdempotencyRecord  # noqa: F401
from core.jobs.models import JobFailure, JobRun  # noqa: F401
from core.ledger.models import (  # noqa: F401
    Matter,
    Task,
    TaskCoUnit,
    TaskEvent,
)
from core.ledger.report_models import Attachment, ProgressReport  # noqa: F401
from core.ledger.research import ResearchFinding, ResearchTopic, ResearchVisit  # noqa: F401
from core.notify.models import Notification, NotificationKey  # noqa: F401
from core.org.models import Unit  # noqa: F401
from core.plans.models import Campaign, CampaignTeam, PlanItem, WorkPlan  # noqa: F401
from core.review.models import (  # noqa: F401
    Rectification,
    ReviewOutcome,
    ReviewPhoto,
    ReviewRound,
    ReviewVisit,
)
from core.scoring.models import RuleFile, ScoringModel, ScoringState, TaskScore  # noqa: F401
from core.signals import Signal  # noqa: F401
from core.webhooks.models import WebhookDelivery, WebhookSubscriber  # noqa: F401
