"""Names shown for the states and verdicts of circulars, explanations, referrals and cases (msgids)."""
from __future__ import annotations

from core.circulars.models import CaseState, CircularState, ExplanationState, ReferralState, Verdict
from core.i18n import N_

CIRCULAR_STATE_LABELS = {
    CircularState.draft: N_("Draft"),
    CircularState.published: N_("Published"),
}

VERDICT_LABELS = {
    Verdict.commend: N_("Commended"),
    Verdict.criticise: N_("Criticised"),
}

EXPLANATION_STATE_LABELS = {
    ExplanationState.pending: N_("Awaiting the unit's answer"),
    ExplanationState.submitted: N_("Submitted"),
    ExplanationState.returned: N_("Sent back"),
    ExplanationState.accepted: N_("Accepted"),
}

REFERRAL_STATE_LABELS = {
    ReferralState.draft: N_("Draft"),
    ReferralState.sent: N_("Referred"),
    ReferralState.accepted: N_("Taken up by the organ"),
    ReferralState.concluded: N_("Concluded"),
    ReferralState.declined: N_("Declined"),
}

CASE_STATE_LABELS = {
    CaseState.draft: N_("Draft"),
    CaseState.approved: N_("Approved"),
    CaseState.published: N_("Published"),
}
