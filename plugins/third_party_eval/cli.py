"""``duban evaluations institution add``, ``evaluator add`` and ``assign``: what the evaluation pages register,
from scripts.

``duban import evaluations`` takes rows only from a registered institution for matters its evaluators are
assigned to; these commands set that up without the web forms. Each is one transaction, written to the audit
trail as the command line (actor ``cli``), and safe to run again: what exists already is reported, exit 0.
"""
from __future__ import annotations

from collections.abc import Callable

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.assignments import assign, find_assignment
from core.access.models import User
from core.errors import DubanError, ValidationError
from core.i18n import N_, Message, message
from core.ledger.models import Matter
from core.org.models import Unit
from plugins.third_party_eval.access import institution_of
from plugins.third_party_eval.models import Evaluator, Institution
from plugins.third_party_eval.registry import attach_evaluator, register_institution
from web.plugin_api import database, fail, logger, say

log = logger("third_party_eval")


def _run(action: Callable[[Session], list[Message]]) -> None:
    """Run ``action(session)`` in one transaction; print its lines, or the problem and exit 1.

    What was done is logged too (in English): these commands decide what outside evaluators may read.
    """
    try:
        with database().transaction(actor="cli") as session:
            lines = action(session)
    except DubanError as error:
        fail(error.message)
    for line in lines:
        log.info("command line: %s", line)
        click.echo(say(line))


@click.group("evaluations", help=N_("Third-party evaluations: institutions, evaluator accounts, assignments."))
def evaluations_group() -> None:
    """The evaluation plugin's commands."""


@evaluations_group.group("institution", help=N_("Evaluation institutions."))
def institution_group() -> None:
    pass


@institution_group.command("add", help=N_("Register an evaluation institution (an existing name is left as it is)."))
@click.argument("name")
@click.option("--owner-unit", "owner_code", help=N_("Code of the unit that registers it (default: the top unit)."))
@click.option("--contact", default="", help=N_("Contact person or telephone."))
@with_appcontext
def add_institution(name: str, owner_code: str | None, contact: str) -> None:
    def action(session: Session) -> list[Message]:
        owner = _owner_unit(session, owner_code)
        found = _institution(session, name)
        if found is not None:
            return [message("An institution named %(name)s is registered already (held by %(unit)s); "
                            "nothing changed.", name=found.name, unit=found.owner_unit.name)]
        institution = register_institution(session, name=name, contact=contact, owner_unit_id=owner.id)
        return [message("The institution %(name)s has been registered, held by %(unit)s.",
                        name=institution.name, unit=owner.name)]

    _run(action)


@evaluations_group.group("evaluator", help=N_("Evaluator accounts of institutions."))
def evaluator_group() -> None:
    pass


@evaluator_group.command("add", help=N_("Make an existing evaluator account (duban user create USERNAME --role "
                                     "evaluator) a member of an institution."))
@click.argument("username")
@click.option("--institution", "institution_name", required=True, help=N_("The institution's name."))
@with_appcontext
def add_evaluator(username: str, institution_name: str) -> None:
    def action(session: Session) -> list[Message]:
        institution = _institution(session, institution_name)
        if institution is None:
            raise ValidationError("No evaluation institution is named %(name)s.", name=institution_name.strip())
        user = _account(session, username)
        if user is None:
            raise ValidationError("No account has the username %(username)s.", username=username)
        current = institution_of(session, user)
        if current is not None and current.id == institution.id:
            return [message("%(username)s is an evaluator of %(institution)s already; nothing changed.",
                            username=user.username, institution=institution.name)]
        attach_evaluator(session, institution, user)
        return [message("%(username)s is now an evaluator of %(institution)s.",
                        username=user.username, institution=institution.name)]

    _run(action)


@evaluations_group.command("assign", help=N_("Let an institution's evaluators (or one evaluator account) assess a "
                                          "matter, or one unit's part of it with --unit."))
@click.argument("institution_or_username")
@click.argument("matter_code")
@click.option("--unit", "unit_code", help=N_("Only this unit's part of the matter."))
@with_appcontext
def assign_command(institution_or_username: str, matter_code: str, unit_code: str | None) -> None:
    def action(session: Session) -> list[Message]:
        evaluators = _evaluators(session, institution_or_username)
        matter = session.scalar(select(Matter).where(Matter.code == matter_code.strip()))
        if matter is None:
            raise ValidationError("No matter has the code %(code)s.", code=matter_code.strip())
        unit = None
        if unit_code:
            unit = session.scalar(select(Unit).where(Unit.code == unit_code.strip()))
            if unit is None:
                raise ValidationError("No unit has the code %(code)s.", code=unit_code.strip())
        lines = []
        for user in evaluators:
            before = find_assignment(session, user.id, matter.id, unit.id if unit else None)
            assign(session, user, matter, unit)
            if before is not None:
                lines.append(message("%(username)s is assigned to %(matter)s already; nothing changed.",
                                     username=user.username, matter=_part(matter, unit)))
            else:
                lines.append(message("%(username)s is now assigned to %(matter)s.",
                                     username=user.username, matter=_part(matter, unit)))
        return lines

    _run(action)


def _part(matter: Matter, unit: Unit | None) -> str:
    return f"{matter.code} {matter.title}" + (f" / {unit.code} {unit.name}" if unit else "")


def _institution(session: Session, name: str) -> Institution | None:
    return session.scalar(select(Institution).where(Institution.name == name.strip()))


def _account(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip()))


def _owner_unit(session: Session, code: str | None) -> Unit:
    """The unit named by ``--owner-unit``, else the top of the hierarchy (as the web form does for admins)."""
    if code:
        unit = session.scalar(select(Unit).where(Unit.code == code.strip()))
        if unit is None:
            raise ValidationError("No unit has the code %(code)s.", code=code.strip())
        return unit
    unit = session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))
    if unit is None:
        raise ValidationError("There are no units yet: import them first (duban import units FILE).")
    return unit


def _evaluators(session: Session, name: str) -> list[User]:
    """The evaluator accounts ``name`` stands for: an institution's members, or one member account."""
    institution = _institution(session, name)
    user = _account(session, name)
    if institution is not None and user is not None:
        raise ValidationError("%(name)s is both an institution and an account; rename one of them.",
                               name=name.strip())
    if institution is not None:
        members = list(session.scalars(select(User).join(Evaluator, Evaluator.user_id == User.id)
                                       .where(Evaluator.institution_id == institution.id).order_by(User.username)))
        if not members:
            raise ValidationError("The institution %(name)s has no evaluator accounts yet: add one with "
                                   "duban evaluations evaluator add USERNAME --institution NAME.",
                                   name=institution.name)
        return members
    if user is None:
        raise ValidationError("No evaluation institution or account is named %(name)s.", name=name.strip())
    if institution_of(session, user) is None:
        raise ValidationError("The account %(username)s belongs to no evaluation institution: add it to one "
                               "first with duban evaluations evaluator add.", username=user.username)
    return [user]


