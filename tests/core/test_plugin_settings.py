"""Plugin settings: declared defaults, overridden by config.toml, the environment and the application, in that order;
a key no plugin declares or a value of the wrong type is refused with the setting's name."""
from __future__ import annotations

import logging

import pluggy
import pytest

from core import hookspecs
from core.hookspecs import hookimpl
from core.hooktypes import Setting
from core.plugin_settings import (
    APPLICATION,
    CONFIG_FILE,
    DEFAULT,
    ENVIRONMENT,
    declared_settings,
    environment_tables,
    load_settings,
)


class Shelves:
    @hookimpl
    def duban_settings(self):
        return [Setting("shelves", "count", 3, "Shelves", minimum=1),
                Setting("shelves", "depth", 0.5, "Depth"),
                Setting("shelves", "painted", False, "Painted"),
                Setting("shelves", "colour", "oak", "Colour"),
                Setting("shelves", "rooms", ("hall",), "Rooms"),
                Setting("shelves", "key", "", "Key", secret=True)]


def manager(*plugins: object) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for plugin in plugins or (Shelves(),):
        pm.register(plugin)
    return pm


def load(config_file=None, environ=None, application=None):
    return load_settings(manager(), config_file=config_file, environ=environ or {}, application=application)


def test_defaults_stand_until_the_instance_says_otherwise():
    found = load()["shelves"]
    assert dict(found) == {"count": 3, "depth": 0.5, "painted": False, "colour": "oak", "rooms": ("hall",), "key": ""}
    assert {entry.source for entry in found.entries()} == {DEFAULT}


def test_a_value_is_read_as_the_type_its_declaration_gives():
    found = load(config_file={"shelves": {"depth": 2}})["shelves"]
    assert found.typed("count", int) == 3 and found.typed("depth", float) == 2.0
    assert found.typed("painted", bool) is False and found.typed("colour", str) == "oak"
    with pytest.raises(TypeError, match=r"shelves\.painted is declared as bool, not int"):
        found.typed("painted", int)
    with pytest.raises(TypeError, match=r"shelves\.count is declared as int, not str"):
        found.typed("count", str)


def test_the_file_then_the_environment_then_the_application_win():
    found = load(config_file={"shelves": {"count": 4, "colour": "pine", "depth": 1}},
                 environ={"DUBAN_SHELVES__COUNT": "5", "DUBAN_SHELVES__PAINTED": "true", "DUBAN_OTHER__X": "1"},
                 application={"shelves": {"count": 6}})["shelves"]
    assert found["count"] == 6 and found["colour"] == "pine" and found["painted"] is True
    assert found["depth"] == 1.0 and isinstance(found["depth"], float)
    sources = {entry.setting.key: entry.source for entry in found.entries()}
    assert sources == {"count": APPLICATION, "colour": CONFIG_FILE, "depth": CONFIG_FILE, "painted": ENVIRONMENT,
                       "rooms": DEFAULT, "key": DEFAULT}


def test_a_list_setting_takes_a_list_or_one_text_separated_by_commas():
    assert load(config_file={"shelves": {"rooms": ["hall", "study"]}})["shelves"]["rooms"] == ("hall", "study")
    assert load(environ={"DUBAN_SHELVES__ROOMS": "hall, study,"})["shelves"]["rooms"] == ("hall", "study")
    assert load(environ={"DUBAN_SHELVES__ROOMS": '["a,b"]'})["shelves"]["rooms"] == ("a,b",)


def test_text_from_the_environment_stays_text():
    assert load(environ={"DUBAN_SHELVES__COLOUR": "123"})["shelves"]["colour"] == "123"


@pytest.mark.parametrize(("given", "complaint"), [
    ({"count": "many"}, "config.toml: shelves.count is a whole number, not 'many'"),
    ({"count": 2.5}, "shelves.count is a whole number"),
    ({"count": True}, "shelves.count is a whole number"),
    ({"count": 0}, "shelves.count is at least 1, not 0"),
    ({"depth": "deep"}, "shelves.depth is a number"),
    ({"depth": "NaN"}, "shelves.depth is a number"),
    ({"painted": 1}, "shelves.painted is true or false"),
    ({"colour": 7}, "shelves.colour is a text"),
    ({"rooms": [1, 2]}, "shelves.rooms is a list of texts"),
    ({"colur": "red"},
     "config.toml: shelves has no setting 'colur' (it has: colour, count, depth, key, painted, rooms)"),
])
def test_a_wrong_value_or_an_unknown_key_is_refused_by_name(given, complaint):
    with pytest.raises(ValueError) as refused:
        load(config_file={"shelves": given})
    assert complaint in str(refused.value)


def test_an_environment_typo_is_refused_too():
    with pytest.raises(ValueError, match="environment: shelves has no setting 'cuont'"):
        load(environ={"DUBAN_SHELVES__CUONT": "4"})


def test_tables_of_plugins_not_loaded_are_passed_over_with_a_warning(caplog):
    caplog.set_level(logging.WARNING, logger="duban.plugins")
    found = load(config_file={"hotline": {"url": "x"}})
    assert "hotline" not in found
    assert "'hotline'" in caplog.text


def test_plugin_tables_must_be_tables():
    with pytest.raises(ValueError, match="one table per plugin name"):
        load(config_file="shelves")
    with pytest.raises(ValueError, match="the settings of shelves are a table"):
        load(config_file={"shelves": 3})


def test_declarations_are_checked():
    class Twice:
        @hookimpl
        def duban_settings(self):
            return [Setting("shelves", "count", 1, "Again")]

    class BadDefault:
        @hookimpl
        def duban_settings(self):
            return [Setting("bad", "count", -1, "Count", minimum=0)]

    class BadName:
        @hookimpl
        def duban_settings(self):
            return [Setting("Bad-Name", "count", 1, "Count")]

    with pytest.raises(RuntimeError, match="declared twice"):
        declared_settings(manager(Shelves(), Twice()))
    with pytest.raises(ValueError, match=r"its declaration: bad\.count is at least 0"):
        declared_settings(manager(BadDefault()))
    with pytest.raises(RuntimeError, match="lower-case names"):
        declared_settings(manager(BadName()))


def test_environment_tables_read_double_underscores_only():
    assert environment_tables({"DUBAN_SURVEY__MAX_REMINDERS": "3", "DUBAN_DATABASE_URL": "x", "OTHER__X": "1"}) == \
        {"survey": {"max_reminders": "3"}}
