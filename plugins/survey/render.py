"""The form as the page draws it: nodes with labels in one language, names, values and errors.

Field names in the HTML are the question's name at the top level, and
``repeat~index~name`` inside a repeat (``~`` is never part of an XLSForm name), so the
answers come back as the tree :mod:`plugins.survey.engine` checks.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from plugins.survey.definition import pick

_OUTPUT = re.compile(r"\$\{([A-Za-z_][\w.\-]*)\}")
SEPARATOR = "~"


def label_parts(text: str) -> list[tuple[str, str]]:
    """Split a label into text and ``${name}`` outputs the browser fills in as answers change."""
    parts: list[tuple[str, str]] = []
    last = 0
    for match in _OUTPUT.finditer(text):
        if match.start() > last:
            parts.append(("text", text[last:match.start()]))
        parts.append(("output", match.group(1)))
        last = match.end()
    if last < len(text):
        parts.append(("text", text[last:]))
    return parts


def answers_from_form(form: Mapping[str, list[str]]) -> dict[str, Any]:
    """Turn posted fields (``name``, ``rep~0~name``) into an answers tree."""
    tree: dict[str, Any] = {}
    for key, values in form.items():
        if key in ("csrf_token", "form_token", "invitation") or not key:
            continue
        parts = key.split(SEPARATOR)
        if len(parts) % 2 == 0 or len(parts) > 7:
            continue
        node = tree
        valid = True
        for repeat, index in zip(parts[0:-1:2], parts[1:-1:2], strict=True):
            if not index.isdigit() or int(index) >= 50:
                valid = False
                break
            instances = node.setdefault(repeat, [])
            if not isinstance(instances, list):
                valid = False
                break
            while len(instances) <= int(index):
                instances.append({})
            node = instances[int(index)]
        if valid:
            node[parts[-1]] = values if len(values) > 1 else (values[0] if values else "")
    return tree


def view_nodes(nodes: list[dict[str, Any]], language: str, values: Mapping[str, Any],
               checked: Mapping[str, Any], errors: Mapping[str, str], prefix: str = "") -> list[dict[str, Any]]:
    """The nodes to draw, each with what the template needs."""
    drawn = []
    for node in nodes:
        item: dict[str, Any] = {
            "kind": node["kind"], "name": node["name"], "type": node.get("type", ""),
            "label": label_parts(pick(node.get("label", {}), language)),
            "hint": label_parts(pick(node.get("hint", {}), language)),
            "relevant": node.get("relevant", ""), "appearance": node.get("appearance", ""),
        }
        if node["kind"] in ("group", "meta"):
            item["children"] = view_nodes(node["children"], language, values, checked, errors, prefix)
        elif node["kind"] == "repeat":
            item["count"] = node.get("count", "")
            given_value, computed_value = values.get(node["name"]), checked.get(node["name"])
            given = given_value if isinstance(given_value, list) else []
            computed = computed_value if isinstance(computed_value, list) else []
            number = len(computed) if node.get("count") else max(1, len(given))
            item["instances"] = [
                view_nodes(node["children"], language,
                           given[index] if index < len(given) and isinstance(given[index], Mapping) else {},
                           computed[index] if index < len(computed) else {}, errors,
                           f"{prefix}{node['name']}{SEPARATOR}{index}{SEPARATOR}")
                for index in range(number)]
            item["template"] = view_nodes(node["children"], language, {}, {}, {},
                                          f"{prefix}{node['name']}{SEPARATOR}__i__{SEPARATOR}")
        else:
            _question(item, node, language, values, checked, errors, prefix)
        drawn.append(item)
    return drawn


def _question(item: dict[str, Any], node: dict[str, Any], language: str, values: Mapping[str, Any],
              checked: Mapping[str, Any], errors: Mapping[str, str], prefix: str) -> None:
    value = values.get(node["name"], node.get("default", "")) if node["name"] in values else node.get("default", "")
    if node.get("calculate") and not values.get(node["name"]):
        value = checked.get(node["name"], "")
    if isinstance(value, list):
        value = " ".join(str(part) for part in value)
    item.update({
        "field": prefix + node["name"], "value": str(value or ""), "selected": str(value or "").split(),
        "required": node.get("required", ""), "constraint": node.get("constraint", ""),
        "constraint_msg": pick(node.get("constraint_msg", {}), language),
        "required_msg": pick(node.get("required_msg", {}), language),
        "calculate": node.get("calculate", ""), "readonly": node.get("readonly", False),
        "choice_filter": node.get("choice_filter", ""), "params": node.get("params", {}),
        "source_type": node.get("source_type", ""), "error": errors.get(prefix + node["name"]),
        "choices": [{"name": choice["name"], "label": pick(choice["label"], language) or choice["name"],
                     "attrs": choice["attrs"]} for choice in node.get("choices", [])],
    })
