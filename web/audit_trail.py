"""The audit trail as an administrator reads it: actions and tables in words, changes field by field.

The stored entries keep the database's words (``update`` on ``users``, the row's
columns as JSON); this module puts them into the reader's language: the action
and the table by name, and each changed field as "label: old → new". Tables and
fields without a label here (a plugin's own) keep their stored name, which is
still what an auditor searches for. Values are shown as stored, shortened when
long; secrets' hashes are only said to have changed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext

from core.audit_log import AuditEntry
from core.i18n import N_

ACTION_LABELS = {"insert": N_("Created"), "update": N_("Changed"), "delete": N_("Deleted")}

TABLE_LABELS = {
    "api_tokens": N_("API tokens"), "assignments": N_("Role assignments"), "attachments": N_("Attachments"),
    "work_plans": N_("Work plans"), "plan_items": N_("Plan items"), "campaigns": N_("Special campaigns"),
    "campaign_teams": N_("Teams"),
    "audit_findings": N_("Audit findings"), "audit_rectification_steps": N_("Rectification steps"),
    "circular_entries": N_("Circular paragraphs"), "circular_explanations": N_("Circular explanations"),
    "circular_rankings": N_("Circular rankings"), "circulars": N_("Circulars"),
    "job_failures": N_("Failed jobs"), "job_runs": N_("Background jobs"), "login_failures": N_("Failed logins"),
    "matters": N_("Matters"), "notifications": N_("Notifications"), "progress_reports": N_("Progress reports"),
    "referral_events": N_("Referral steps"), "referrals": N_("Referrals"),
    "research_findings": N_("Research findings"), "research_topics": N_("Research topics"),
    "research_visits": N_("Research visits"), "review_outcomes": N_("Review outcomes"),
    "review_photos": N_("Review photos"), "review_rectifications": N_("Review rectifications"),
    "review_rounds": N_("Review rounds"), "review_visits": N_("Review visits"),
    "scoring_models": N_("Scoring models"), "scoring_rule_files": N_("Scoring rules"),
    "scoring_task_scores": N_("Task scores"), "signals": N_("Signals"),
    "survey_invitations": N_("Survey invitations"), "survey_responses": N_("Survey responses"),
    "survey_surveys": N_("Surveys"), "task_co_units": N_("Co-operating units"), "task_events": N_("Task history"),
    "tasks": N_("Tasks"), "tips": N_("Tips"), "tips_clusters": N_("Tip clusters"), "tips_events": N_("Tip history"),
    "tips_feeds": N_("Tip feeds"), "tips_messages": N_("Tip messages"), "tpe_batches": N_("Evaluation batches"),
    "tpe_evaluators": N_("Evaluators"), "tpe_indicators": N_("Evaluation indicators"),
    "tpe_institutions": N_("Evaluation institutions"), "tpe_scores": N_("Evaluation scores"),
    "typical_cases": N_("Typical cases"), "units": N_("Units"), "users": N_("Users"),
    "webhook_deliveries": N_("Webhook deliveries"), "webhook_subscribers": N_("Webhook subscribers"),
}

FIELD_LABELS = {
    "active": N_("Active"), "body": N_("Text"), "code": N_("Code"), "created_at": N_("Created at"),
    "deadline": N_("Deadline"), "description": N_("Description"), "display_name": N_("Display name"),
    "email": N_("E-mail"), "explanation_days": N_("Days given to answer"), "findings": N_("Findings"),
    "kind": N_("Kind"), "matter_id": N_("Matter"), "name": N_("Record name"), "note": N_("Note"), "notes": N_("Notes"),
    "number": N_("Document number"), "owner_unit_id": N_("Owning unit"), "percent_done": N_("Percentage done"),
    "plan": N_("Improvement plan"), "published_at": N_("Published at"), "reasons": N_("Reasons"),
    "role": N_("Role"), "score": N_("Score"), "severity": N_("Severity"), "state": N_("State"),
    "status": N_("Status"), "submitted_at": N_("Submitted at"), "task_id": N_("Task"), "text": N_("Text"),
    "title": N_("Title"), "unit_id": N_("Unit"), "user_id": N_("User"), "username": N_("User name"),
    "value": N_("Value"), "visited_on": N_("Visited on"), "password_hash": N_("Password"),
    "approved_by_id": N_("Approved by"), "approved_at": N_("Approved at"), "drafted_by_id": N_("Drafted by"),
    "progress": N_("Progress"), "drop_reason": N_("Why it is dropped"),
}
SECRET_MARKS = ("hash", "secret", "token")
LONGEST = 160


@dataclass
class Change:
    """One field of a changed row: its label, and its value before and after (empty when there was none)."""

    label: str
    before: str
    after: str


@dataclass
class EntryView:
    """An audit entry as the page shows it."""

    entry: AuditEntry
    action: str
    table: str
    changes: list[Change] = field(default_factory=list)
    raw_before: str = ""  # the stored values as JSON, for the auditor who needs them exactly
    raw_after: str = ""


def table_label(name: str) -> str:
    """The table's name in the reader's language, or its stored name when it has no label."""
    label = TABLE_LABELS.get(name)
    return gettext(label) if label else name


def _shown(key: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if any(mark in key for mark in SECRET_MARKS):
        return gettext("(hidden)")
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= LONGEST else text[:LONGEST - 1] + "…"


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    """The fields that differ between ``before`` and ``after`` (all given fields for a creation or a
    deletion), labelled, in the row's column order."""
    before, after = before or {}, after or {}
    keys = list(after) + [k for k in before if k not in after]
    result = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        if old == new or key == "id" or (old in (None, "") and new in (None, "")):
            continue
        label = FIELD_LABELS.get(key)
        result.append(Change(gettext(label) if label else key, _shown(key, old), _shown(key, new)))
    return result


def describe(entry: AuditEntry) -> EntryView:
    """The entry with its action and table in words and its changes field by field."""
    action = ACTION_LABELS.get(entry.action)
    return EntryView(entry, gettext(action) if action else entry.action, table_label(entry.table_name),
                     changes(entry.before, entry.after), _raw(entry.before), _raw(entry.after))


def _raw(values: dict[str, Any] | None) -> str:
    return json.dumps(values, ensure_ascii=False, indent=1) if values else ""
