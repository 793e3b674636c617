"""Helpers shared by the survey views."""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from flask_babel import get_locale

from core import clock
from core.i18n import Message
from plugins.survey.published import FormCache
from web.plugin_api import render_message


def local_now() -> datetime:
    """Wall-clock time in the instance's time zone (what "today" means to respondents)."""
    return clock.now().replace(tzinfo=None, microsecond=0)


def today() -> date:
    return local_now().date()


def locale() -> str:
    return str(get_locale() or "zh_CN")


def shown(problem: Message | str) -> str:
    """A problem found in an answer, in the respondent's language (form texts are already chosen)."""
    return render_message(problem) if isinstance(problem, Message) else problem


def published_forms() -> FormCache:
    """This application's cache of published forms (see :mod:`plugins.survey.published`)."""
    cache = current_app.extensions.get("survey.forms")
    if cache is None:
        cache = current_app.extensions.setdefault("survey.forms", FormCache())
    return cache
