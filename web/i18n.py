"""Language choice: 中文 by default, English on request."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache, wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlparse

from babel import Locale
from flask import Blueprint, Flask, g, redirect, request, session, url_for
from flask_babel import Babel, get_locale, gettext, refresh
from werkzeug.wrappers import Response

from core import clock
from core.i18n import DEFAULT_LOCALE, LOCALES, Message

bp = Blueprint("i18n", __name__)

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
View = TypeVar("View", bound=Callable[..., Any])


@lru_cache(maxsize=len(LOCALES))
def _parsed(code: str) -> Locale:
    # Flask-Babel parses whatever the selector returns on every request; a Locale is kept as is.
    return Locale.parse(code)


def select_locale() -> Locale:
    """The request's language, as a :class:`babel.Locale` parsed once per process."""
    return _parsed(_chosen_locale())


def _chosen_locale() -> str:
    chosen = session.get("lang")
    if chosen in LOCALES:
        return chosen
    # A client that is not a browser (ODK Collect, Enketo) names its language in the header.
    heard = g.get("duban_header_locale")
    if heard in LOCALES:
        return str(heard)
    # Read the user only once Flask-Login has loaded it: loading it from here
    # would recurse through any translated message the loading shows.
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False) and user.locale in LOCALES:
        return user.locale
    # An API request: the account its bearer token belongs to (web.api.auth sets the scope).
    scope = g.get("scope") if g.get("api_token") is not None else None
    if scope is not None and scope.user is not None and scope.user.locale in LOCALES:
        return scope.user.locale
    return DEFAULT_LOCALE


# Accept-Language tags as Duban's locales: Chinese in any script or region is zh_CN.
HEADER_LANGUAGES = {"zh": "zh_CN", "zh-CN": "zh_CN", "zh-Hans": "zh_CN", "zh-Hans-CN": "zh_CN", "en": "en"}


def speaks_accept_language(view: View) -> View:
    """Answer a view in the language its client's ``Accept-Language`` asks for.

    For the endpoints of clients that are not Duban's pages (the OpenRosa ones, which
    ODK Collect and Enketo call with the phone's language): a language chosen on the site
    still wins, and a header naming neither Chinese nor English leaves the default.
    """

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        best = request.accept_languages.best_match(list(HEADER_LANGUAGES))
        if best is None:  # a region or script not listed: match the language alone
            asked = [tag.split("-")[0].lower() for tag, _quality in request.accept_languages]
            best = next((tag for tag in asked if tag in HEADER_LANGUAGES), None)
        g.duban_header_locale = HEADER_LANGUAGES.get(best or "")
        refresh()  # a locale read before this point is read again
        return view(*args, **kwargs)

    return cast(View, wrapped)


def locale_code() -> str:
    """The request's language as Duban names it (``zh_CN`` or ``en``).

    Babel reads zh_CN as ``zh_Hans_CN``, so a page must not compare ``str(get_locale())``
    with the names in :data:`LANGUAGE_NAMES`.
    """
    language = get_locale()
    return "zh_CN" if language is not None and language.language == "zh" else "en"


def html_lang() -> str:
    """The request's language as HTML's ``lang`` attribute writes it (BCP 47: ``zh-CN``, ``en``)."""
    return locale_code().replace("_", "-")


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` when it is a path on this site, else ``fallback`` (no open redirects)."""
    if not target:
        return fallback
    parts = urlparse(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.post("/lang")
def switch_language() -> Response:
    lang = request.form.get("lang", "")
    if lang in LOCALES:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next"), url_for("home.index")))


def render_message(msg: Message | str) -> str:
    """Translate a core :class:`Message` for the current request."""
    return msg.render(gettext) if isinstance(msg, Message) else gettext(msg)


def local_time(instant: datetime | str | None) -> str:
    """A stored (UTC) time as the office reads it: ``YYYY-MM-DD HH:MM`` in the instance's time zone."""
    return clock.local_text(instant)


def local_date(instant: datetime | str | None) -> str:
    """The calendar day a stored (UTC) time fell on in the instance's time zone, ``YYYY-MM-DD``."""
    return clock.local_text(instant)[:10]


def init_app(app: Flask) -> None:
    # One Babel per application: Flask-Babel caches translations on the Babel
    # object by locale alone, and apps with different plugins have different
    # catalogues.
    app.extensions["duban.babel"] = Babel(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["locale_code"] = locale_code
    app.jinja_env.globals["html_lang"] = html_lang
    app.jinja_env.filters["msg"] = render_message
    # Every time a page shows goes through these two: stored in UTC, read in the instance's zone.
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["local_date"] = local_date
