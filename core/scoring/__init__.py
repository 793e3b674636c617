"""Scoring: features per task, declarative rules, a calibrated model, the review queue.

Data flows one way: signals and ledger facts → :mod:`core.scoring.features` →
:mod:`core.scoring.rules` and :mod:`core.scoring.model` → :mod:`core.scoring.queue`.
Nothing here reads a plugin's own tables: only :class:`core.signals.Signal`
rows, the kinds declared through ``duban_signal_kinds`` and the ledger.
"""
