"""Names shown for the ledger's states, lights, cadences and timeline events (msgids)."""
from __future__ import annotations

from core.i18n import N_
from core.ledger.models import Cadence, EventKind, TaskState
from core.ledger.report_models import ReviewState
from core.ledger.research import FindingKind, TopicStatus

STATE_LABELS = {
    TaskState.dispatched: N_("Dispatched"),
    TaskState.signed: N_("Signed for"),
    TaskState.reported: N_("Reported"),
    TaskState.returned: N_("Sent back"),
    TaskState.accepted: N_("Accepted"),
    TaskState.closed: N_("Closed out"),
}

CADENCE_LABELS = {
    Cadence.once: N_("Once"),
    Cadence.monthly: N_("Monthly"),
    Cadence.quarterly: N_("Quarterly"),
}

LIGHT_LABELS = {
    "green": N_("On track"),
    "yellow": N_("Needs attention"),
    "red": N_("Overdue"),
}

REVIEW_LABELS = {
    ReviewState.pending: N_("Awaiting review"),
    ReviewState.accepted: N_("Accepted"),
    ReviewState.returned: N_("Sent back"),
}

EVENT_LABELS = {
    EventKind.dispatched: N_("Dispatched"),
    EventKind.redispatched: N_("Re-dispatched to a lower unit"),
    EventKind.signed: N_("Signed for"),
    EventKind.reported: N_("Progress reported"),
    EventKind.accepted: N_("Report accepted"),
    EventKind.returned: N_("Report sent back"),
    EventKind.closed: N_("Closed out"),
    EventKind.reminded: N_("Deadline reminder sent"),
    EventKind.overdue: N_("Deadline missed"),
    EventKind.urged: N_("Urging notice sent"),
    EventKind.reason_given: N_("Reason for the delay given"),
    EventKind.changed: N_("Task changed"),
}

TOPIC_STATUS_LABELS = {
    TopicStatus.planned: N_("Planned"),
    TopicStatus.ongoing: N_("Ongoing"),
    TopicStatus.concluded: N_("Concluded"),
}

FINDING_LABELS = {
    FindingKind.finding: N_("Finding"),
    FindingKind.recommendation: N_("Recommendation"),
}
