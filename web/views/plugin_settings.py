"""The administrators' **Plugins** page: which plugins are loaded, and their settings as the
instance has them, read-only (they are changed in ``config.toml`` or the environment)."""
from __future__ import annotations

import json

from flask import Blueprint, current_app, render_template

from core.hooktypes import SettingValue
from core.i18n import N_
from core.plugin_settings import APPLICATION, CONFIG_FILE, DEFAULT, ENV_PREFIX, ENVIRONMENT, PluginSettings
from core.plugins import plugin_names
from web import db
from web.auth import capability_required

bp = Blueprint("plugin_settings", __name__, url_prefix="/plugins")

SOURCE_LABELS = {
    DEFAULT: N_("the plugin's default"),
    CONFIG_FILE: N_("config.toml"),
    ENVIRONMENT: N_("environment variable"),
    APPLICATION: N_("the application's configuration"),
}


def as_toml(value: SettingValue) -> str:
    """``value`` as it is written in ``config.toml`` (and, but for quotes, in the environment)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | tuple):
        return json.dumps(value if isinstance(value, str) else list(value), ensure_ascii=False)
    return f"{value:g}" if isinstance(value, float) else str(value)


def environment_name(plugin: str, key: str) -> str:
    return f"{ENV_PREFIX}{plugin.upper()}__{key.upper()}"


@bp.get("/")
@capability_required("plugins.view")
def index() -> str:
    found: dict[str, PluginSettings] = current_app.extensions["duban.plugin_settings"]
    return render_template("admin/plugins.html", loaded=plugin_names(db.plugins()),
                           blocked=current_app.config["BLOCKED_PLUGINS"],
                           settings=[found[name] for name in sorted(found)], source_labels=SOURCE_LABELS,
                           as_toml=as_toml, environment_name=environment_name)
