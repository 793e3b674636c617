"""What scoring needs from the instance: the feature catalogue, the rules in force, the active model."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import pluggy
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.hooktypes import RuleSpec, SignalKind
from core.plugins import signal_kinds
from core.scoring.catalogue import Catalogue, catalogue_for
from core.scoring.model import TrainedModel
from core.scoring.models import RuleFile, ScoringModel
from core.scoring.rules import RuleSet, load_rules


@dataclass
class ScoringContext:
    """The catalogue, rules and (when trained) model that scores are computed with."""

    catalogue: Catalogue
    rules: RuleSet
    model: TrainedModel | None = None
    model_id: int | None = None
    rules_text: str = ""

    @property
    def mode(self) -> str:
        """``model`` once a model is trained, else ``rules``."""
        return "model" if self.model is not None else "rules"

    @property
    def ranking(self) -> str:
        """What ranks the queue: the candidate forward validation chose (``logistic`` …), or ``rules``."""
        if self.model is None:
            return "rules"
        return str(self.model.metrics.get("model", "logistic"))

    @property
    def guardrail(self) -> bool:
        """True when a simple ranking beat the fitted models in validation and ranks the queue instead."""
        return bool(self.model is not None and self.model.metrics.get("guardrail"))


def default_rules(pm: pluggy.PluginManager) -> list[tuple[str, dict[str, Any]]]:
    """Every plugin's default rules, each with the name of the plugin that gave it."""
    found: list[tuple[str, dict[str, Any]]] = []
    # Hook implementations run in reverse registration order; core's own come first here.
    for impl in reversed(pm.hook.duban_default_rules.get_hookimpls()):
        rules = cast("list[RuleSpec] | None", impl.function())  # pluggy types a hook's result as object
        for rule in rules or ():
            found.append((impl.plugin_name, dict(rule)))
    return found


def current_rules_text(session: Session) -> str:
    """The rule file in force: the newest version staff saved, or empty."""
    return session.scalar(select(RuleFile.text).order_by(RuleFile.id.desc()).limit(1)) or ""


def active_model(session: Session) -> ScoringModel | None:
    """The model in force, if one was trained."""
    return session.scalar(select(ScoringModel).where(ScoringModel.active.is_(True))
                          .order_by(ScoringModel.id.desc()).limit(1))


def build_context(session: Session, kinds: Iterable[SignalKind], defaults: list[tuple[str, dict[str, Any]]],
                  rules_text: str | None = None, with_model: bool = True) -> ScoringContext:
    """A context from explicit parts (``rules_text`` None: the saved rule file)."""
    catalogue = catalogue_for(session, kinds)
    text = current_rules_text(session) if rules_text is None else rules_text
    rules = load_rules(catalogue, defaults, text)
    context = ScoringContext(catalogue, rules, rules_text=text)
    if with_model:
        row = active_model(session)
        if row is not None:
            trained = TrainedModel.load(row.estimator)
            # A model trained on other features (a plugin added or blocked since) is not used.
            from core.scoring.model import model_inputs

            if trained.names == model_inputs(catalogue.names):
                context.model, context.model_id = trained, row.id
    return context


def load_context(session: Session, pm: pluggy.PluginManager, rules_text: str | None = None,
                 with_model: bool = True) -> ScoringContext:
    """The context of this instance: the plugins' kinds and default rules, the saved rule file, the model."""
    return build_context(session, signal_kinds(pm), default_rules(pm), rules_text, with_model)
