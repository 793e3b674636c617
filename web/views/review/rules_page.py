"""The rules editor: the rule file with a preview of how the queue would change before saving."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from core.errors import ValidationError
from core.plugins import source_labels
from core.scoring.models import RuleFile
from core.scoring.preview import preview_change
from core.scoring.rescore import invalidate
from core.scoring.rules import ORIGIN_LABELS, RuleError
from web import db
from web.auth import capability_required
from web.i18n import render_message
from web.views.ledger import today
from web.views.review import bp, scoring_context
from web.views.review.forms import RulesForm


@bp.route("/rules", methods=["GET", "POST"])
@capability_required("queue.view")
def rules() -> Response | tuple[str, int]:
    scope = db.scope()
    context = scoring_context()
    form = RulesForm(data={"text": context.rules_text} if request.method == "GET" else None)
    preview, error = None, None
    if request.method == "POST":
        if not scope.can("scoring.manage"):  # the rules hold for every unit: root unit or administrators only
            abort(403)
        if form.validate_on_submit():
            text = form.text.data or ""
            try:
                proposed = scoring_context(text)
            except (RuleError, ValidationError) as problem:
                error = render_message(problem.message)
            else:
                if request.form.get("action") == "save":
                    db.session().add(RuleFile(text=text, saved_by=db.user().username))
                    invalidate(db.session())
                    db.session().commit()
                    flash(gettext("The rules are saved; the queue is rescored."), "info")
                    return redirect(url_for("review.rules"))
                preview = preview_change(scope, context, proposed, today())
    return render_template("review/rules.html", form=form, context=context, preview=preview, error=error,
                           can_edit=scope.can("scoring.manage"),
                           origin_labels={**source_labels(db.plugins()), **ORIGIN_LABELS}), (400 if error else 200)
