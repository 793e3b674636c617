"""Duban's own description of a form, built once from pyxform's output and stored as JSON.

A definition is a tree of nodes (questions, groups, repeats) with labels per language and
expressions already rewritten for the expression language (see :mod:`plugins.survey.rewrite`).
Keeping our own shape means the pages never depend on pyxform's internal dictionary.
"""
from __future__ import annotations

import re
from typing import Any

from core.i18n import DEFAULT_LOCALE, LOCALES
from plugins.survey.rewrite import rewrite

# pyxform's type names → the types Duban renders.
TYPE_ALIASES = {
    "text": "text", "string": "text", "integer": "integer", "int": "integer", "decimal": "decimal",
    "range": "range", "select one": "select_one", "select_one": "select_one",
    "select all that apply": "select_multiple", "select_multiple": "select_multiple",
    "note": "note", "date": "date", "time": "time", "datetime": "datetime", "dateTime": "datetime",
    "acknowledge": "acknowledge", "trigger": "acknowledge", "calculate": "calculate", "hidden": "hidden",
    "start": "start", "end": "end", "today": "today", "phone number": "text",
}
# Device metadata a web form cannot know; kept empty rather than invented.
EMPTY_METADATA = frozenset({
    "deviceid", "uri:deviceid", "subscriberid", "simserial", "phonenumber", "uri:phonenumber",
    "username", "uri:username", "email", "uri:email", "audit", "start-geopoint", "background-geopoint",
})
METADATA = frozenset({"start", "end", "today"})
INPUT_TYPES = frozenset({"text", "integer", "decimal", "range", "select_one", "select_multiple", "date",
                         "time", "datetime", "acknowledge"})
_TRUE = frozenset({"yes", "true", "true()", "1"})
_FALSE = frozenset({"", "no", "false", "false()", "0"})
_LANG_CODE = re.compile(r"\(([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?\)\s*$")
_LANG_NAMES = {"zh": ("chinese", "中文", "汉语", "简体中文", "zh"), "en": ("english", "英文", "英语", "en")}


def build_definition(source: dict[str, Any]) -> dict[str, Any]:
    """Turn pyxform's dictionary of a survey into a Duban definition."""
    choice_lists: dict[str, list[dict[str, Any]]] = source.get("choices") or {}
    languages: set[str] = set()
    nodes = [_node(child, choice_lists, languages) for child in source.get("children", [])]
    nodes = [node for node in nodes if node is not None]
    ordered = sorted(languages - {"default"}) + (["default"] if "default" in languages else [])
    return {
        "title": str(source.get("title") or ""),
        "id_string": str(source.get("id_string") or ""),
        "default_language": str(source.get("default_language") or "default"),
        "languages": ordered,
        "nodes": nodes,
    }


def _texts(value: Any, languages: set[str]) -> dict[str, str]:
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        texts = {str(lang): str(text) for lang, text in value.items() if text not in (None, "")}
    else:
        texts = {"default": str(value)}
    languages.update(texts)
    return texts


def _required(value: Any) -> str:
    text = str(value if value is not None else "").strip()
    if text.lower() in _TRUE:
        return "true()"
    if text.lower() in _FALSE:
        return ""
    return rewrite(text)


def _node(raw: dict[str, Any], choice_lists: dict[str, list[dict[str, Any]]],
          languages: set[str]) -> dict[str, Any] | None:
    raw_type = str(raw.get("type", ""))
    bind = raw.get("bind") or {}
    control = raw.get("control") or {}
    node: dict[str, Any] = {
        "name": str(raw.get("name", "")),
        "label": _texts(raw.get("label"), languages),
        "hint": _texts(raw.get("hint"), languages),
        "relevant": rewrite(str(bind.get("relevant") or "")),
        "appearance": str(control.get("appearance") or ""),
    }
    if raw_type in ("group", "repeat", "loop"):
        if raw_type == "group" and control.get("bodyless"):
            node["kind"] = "meta"
        else:
            node["kind"] = "repeat" if raw_type == "repeat" else "group"
        if raw_type == "loop":
            node["children"] = _loop_groups(raw, choice_lists, languages)
        else:
            children = [_node(child, choice_lists, languages) for child in raw.get("children", [])]
            node["children"] = [child for child in children if child is not None]
        if raw_type == "repeat":
            node["count"] = rewrite(str(control.get("jr:count") or ""))
        return node
    node["kind"] = "question"
    node["source_type"] = raw_type
    kind = TYPE_ALIASES.get(raw_type)
    if raw_type in EMPTY_METADATA:
        kind = "device"
    node["type"] = kind or "unsupported"
    node["required"] = _required(bind.get("required"))
    node["required_msg"] = _texts(bind.get("jr:requiredMsg"), languages)
    node["constraint"] = rewrite(str(bind.get("constraint") or ""))
    node["constraint_msg"] = _texts(bind.get("jr:constraintMsg"), languages)
    node["calculate"] = rewrite(str(bind.get("calculate") or ""))
    node["readonly"] = str(bind.get("readonly") or "").strip().lower() in _TRUE
    node["default"] = str(raw.get("default") or "")
    if kind == "range":
        params = raw.get("parameters") or {}
        node["params"] = {key: str(params.get(key, default)) for key, default in
                          (("start", "1"), ("end", "10"), ("step", "1"))}
    if kind in ("select_one", "select_multiple"):
        options = raw.get("choices") or choice_lists.get(str(raw.get("itemset") or raw.get("list_name") or ""), [])
        columns = frozenset({"name", "label"} | {key for option in options for key in option})
        node["choices"] = [_choice(option, languages) for option in options]
        node["choice_filter"] = rewrite(str(raw.get("choice_filter") or ""), columns)
    return node


def _choice(option: dict[str, Any], languages: set[str]) -> dict[str, Any]:
    attrs = {str(key): str(value) for key, value in option.items()
             if key not in ("label", "media") and not isinstance(value, dict)}
    return {"name": str(option.get("name", "")), "label": _texts(option.get("label"), languages), "attrs": attrs}


def _loop_groups(raw: dict[str, Any], choice_lists: dict[str, list[dict[str, Any]]],
                 languages: set[str]) -> list[dict[str, Any]]:
    """A loop asks its questions once per column: one group per column, as pyxform expands it."""
    groups = []
    for column in raw.get("columns", []):
        column_label = _texts(column.get("label"), languages)
        children = []
        for child in raw.get("children", []):
            built = _node(child, choice_lists, languages)
            if built is None:
                continue
            built["label"] = {lang: text.replace("%(label)s", column_label.get(lang) or
                                                 next(iter(column_label.values()), ""))
                              for lang, text in built["label"].items()}
            built["name"] = f"{column.get('name')}_{built['name']}"
            children.append(built)
        groups.append({"kind": "group", "name": str(column.get("name", "")), "label": column_label, "hint": {},
                       "relevant": "", "appearance": "", "children": children})
    return groups


def language_key(definition: dict[str, Any], locale: str) -> str:
    """The form's language that fits ``locale`` (``zh_CN`` or ``en``), else its default."""
    for key in definition.get("languages", []):
        if _speaks(key, locale):
            return key
    default = definition.get("default_language") or "default"
    return default


def form_locale(definition: dict[str, Any]) -> str:
    """The locale (``zh_CN`` or ``en``) of the form's default language; ``zh_CN`` when it names neither."""
    default = definition.get("default_language") or "default"
    return next((locale for locale in LOCALES if _speaks(default, locale)), DEFAULT_LOCALE)


def _speaks(key: str, locale: str) -> bool:
    """True when the form language ``key`` ("English (en)", "中文") is the one of ``locale``."""
    wanted = locale.split("_")[0].lower()
    match = _LANG_CODE.search(key)
    if match and match.group(1).lower() == wanted:
        return True
    return _LANG_CODE.sub("", key).strip().lower() in _LANG_NAMES.get(wanted, ())


def pick(texts: dict[str, str], language: str) -> str:
    """The text in ``language``, else the default one, else any."""
    if not texts:
        return ""
    return texts.get(language) or texts.get("default") or next(iter(texts.values()))


def walk(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every node in document order (depth first)."""
    found: list[dict[str, Any]] = []
    for node in nodes:
        found.append(node)
        if node.get("children"):
            found.extend(walk(node["children"]))
    return found


def unsupported(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """Questions Duban shows disabled, because a web form cannot answer them (photos, GPS …)."""
    return [node for node in walk(definition["nodes"])
            if node.get("kind") == "question" and node.get("type") == "unsupported"]
