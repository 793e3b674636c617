"""Review pages: the queue, rounds and visits, outcomes, rectifications, the model and the rules."""
from __future__ import annotations

import os
import re
from datetime import date

from flask import Blueprint, current_app

from core.scoring.catalogue import Catalogue, Feature
from core.scoring.context import ScoringContext, load_context
from core.scoring.explain import feature_label
from core.scoring.freshness import refresh
from web import db
from web.views.ledger import today

bp = Blueprint("review", __name__, url_prefix="/review")

def scoring_context(rules_text: str | None = None) -> ScoringContext:
    """The instance's catalogue, rules and model (``rules_text`` to try other rules)."""
    return load_context(db.session(), db.plugins(), rules_text)


def refresh_scores() -> None:
    """Bring the stored scores up to date in a short transaction of their own, before an action uses them.

    Only for actions (POST): pages read the stored scores, which every committed change
    keeps fresh (:mod:`core.scoring.freshness`), and never write.
    """
    with db.database().transaction(actor="scoring") as session:
        refresh(session, db.plugins(), today())


def photo_folder() -> str:
    """Where on-site photos are kept: inside the instance folder, never under static."""
    return current_app.config.get("REVIEW_PHOTO_FOLDER") or os.path.join(current_app.instance_path, "review-photos")


@bp.app_template_global("data_text")
def text(msgid: str) -> str:
    """A message id held in data (a rule's reason, a feature's label), translated but never %-formatted."""
    from flask_babel import gettext

    return gettext(msgid)


@bp.app_template_global("rule_sentence")
def rule_sentence(msgid: str, catalogue: Catalogue) -> str:
    """A rule's reason as the rules page shows it: each value the sentence will say named by its feature's label.

    ``%(overdue_days)s days past the deadline`` reads 〈逾期天数〉 in place of the value, so nobody reads a key.
    """
    from flask_babel import gettext

    def named(match: re.Match[str]) -> str:
        feature = catalogue.get(match.group(1))
        return f"〈{feature_text(feature) if feature else match.group(1)}〉"

    return re.sub(r"%\(([^)]+)\)s", named, gettext(msgid)).replace("%%", "%")


@bp.app_template_global("feature_text")
def feature_text(feature: Feature) -> str:
    """A feature's label in the reader's language; a history summary names the kind it summarises."""
    from flask_babel import gettext

    return feature_label(feature).render(gettext)


__all__ = ["bp", "date"]

from web.views.review import model_page, queue, rectifications, rounds, rules_page  # noqa: E402,F401
