"""``duban survey import FILE [--publish]`` and ``duban survey export SURVEY --format csv|xlsx [--labels]``."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import or_, select

from core.errors import DubanError
from core.i18n import N_
from core.org.models import Unit
from plugins.survey import export, service
from plugins.survey.definition import form_locale, language_key
from plugins.survey.models import Survey
from web.plugin_api import database, fail


@click.group("survey", help=N_("Opinion surveys from XLSForm."))
def survey_group() -> None:
    """Survey commands."""


@survey_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--publish", is_flag=True, help=N_("Publish the survey at once."))
@click.option("--unit", "unit_code", default=None, help=N_("Code of the owning unit (default: the root unit)."))
@with_appcontext
def import_command(file: str, publish: bool, unit_code: str | None) -> None:
    """Import an XLSForm; prints the survey's public path as the last line."""
    with open(file, "rb") as handle:
        data = handle.read()
    session = database().session()
    session.info["actor"] = "cli"
    try:
        stmt = select(Unit).where(Unit.code == unit_code) if unit_code else \
            select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id)
        unit = session.scalars(stmt).first()
        if unit is None:
            raise click.ClickException("no such unit" if unit_code else "create a unit first (duban import units FILE)")
        try:
            survey = service.create_survey(session, data, owner_unit_id=unit.id, source_name=file, publish=publish)
        except DubanError as error:
            fail(error.message)
        session.commit()
        click.echo(f"{survey.title} ({survey.status.value})")
        click.echo(f"/s/{survey.slug}")
    finally:
        session.close()


@survey_group.command("export")
@click.argument("survey_ref")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default="-",
              help=N_("File to write (default: stdout)."))
@click.option("--labels", is_flag=True,
              help=N_("Add the options' labels beside the choice columns, and the unit's name beside unit_id."))
@with_appcontext
def export_command(survey_ref: str, fmt: str, output: str, labels: bool) -> None:
    """Write a survey's responses; SURVEY is its slug or id.

    The columns stay the question names with the options' names, which scripts read;
    ``--labels`` adds columns of labels in the form's default language.
    """
    with database().transaction(actor="cli") as session:
        ident = int(survey_ref) if survey_ref.isdigit() else -1
        survey = session.scalar(select(Survey).where(or_(Survey.slug == survey_ref, Survey.id == ident)))
        if survey is None:
            raise click.ClickException(f"no survey {survey_ref}")
        language = language_key(survey.definition, form_locale(survey.definition)) if labels else None
        writer = export.to_csv if fmt == "csv" else export.to_xlsx
        data = writer(session, survey, language)
    if output == "-":
        click.echo(data, nl=False)
    else:
        with open(output, "wb") as handle:
            handle.write(data)
