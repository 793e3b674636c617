"""Checking one set of answers against a form: skip logic, calculations, required, constraints.

This is the server's verdict; the browser runs the same expressions only to help the
respondent. Answers come in as a tree (``{"name": "text", "repeat": [{...}, …]}``), and a
checked tree goes out with every non-relevant answer dropped and every calculation filled.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from core.i18n import Message, message
from plugins.survey.definition import INPUT_TYPES, pick
from plugins.survey.expressions import EvalContext, ExpressionError, compiled, references, to_boolean, to_string
from plugins.survey.rewrite import CHOICE_PREFIX

MAX_TEXT = 5000
MAX_REPEATS = 50
_INTEGER = re.compile(r"-?\d{1,15}", re.ASCII)
_DECIMAL = re.compile(r"-?(\d{1,15}(\.\d*)?|\.\d+)([eE][-+]?\d{1,3})?", re.ASCII)
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?", re.ASCII)
ANSWER_TEXTS = {
    "required": "This answer is required.",
    "constraint": "This answer is not allowed.",
}


@dataclass
class Checked:
    """The outcome of checking: the answers to store, and per field the problem found."""

    answers: dict[str, Any]
    errors: dict[str, Message | str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Moment:
    """When the form was opened and sent; anonymous surveys keep days only."""

    started: datetime
    ended: datetime
    day_only: bool

    def stamp(self, value: datetime) -> str:
        return value.date().isoformat() if self.day_only else value.replace(microsecond=0).isoformat()


def check(definition: dict[str, Any], raw: Mapping[str, Any], moment: Moment, language: str,
          walks: int | None = None) -> Checked:
    """Check ``raw`` answers against ``definition``; nothing is evaluated with ``eval``.

    Calculations and conditions may read later fields. When one does (``walks_needed``, which
    callers holding a cached form pass as ``walks``), the form is walked again with every
    answer of the walk before in view, and only the last walk's verdict is kept.

    A field inside a repeat reads, outside it, as the list of its answers in the instances the
    walk kept (``sum()``, ``count()``): exactly what is stored, a refused answer counting as
    empty. Only the first of several walks, where later answers are not known yet and may
    refuse an answer wrongly, counts what the respondent sent in place of a refused answer.
    """
    walks = walks_needed(definition) if walks is None else walks
    seen: dict[str, Any] = {}
    earlier: dict[str, dict[str, Any]] = {}
    result = Checked({})
    for number in range(walks):
        result = Checked({})
        walker = _Walker(moment, language, result, earlier, guessing=number == 0 and walks > 1)
        # In view from the start: what an earlier walk found; each answer replaces its entry
        # when the walk reaches it.
        scope = dict(seen)
        walker.nodes(definition["nodes"], raw, result.answers, scope, True, "")
        seen, earlier = scope, walker.instances
    return result


EXPRESSION_KEYS = ("relevant", "required", "constraint", "calculate", "count", "choice_filter")


# The expressions a field's stored value depends on; constraints and required only judge it.
VALUE_KEYS = ("relevant", "calculate", "count")


def dependency_levels(definition: dict[str, Any]) -> dict[str, int]:
    """Each field's place in the dependency order of the form's values: 0 for a field that reads
    no field placed at or after it, else one more than the deepest such field it reads (through
    a calculation, a relevance condition — its own or its groups' — or a repeat count).

    Raises :class:`DependencyCycle` when a field's value depends on itself.
    """
    placed = list(_placed(definition["nodes"], ()))
    order = {node["name"]: index for index, (node, _) in enumerate(placed) if node.get("name")}
    reads: dict[str, set[str]] = {}
    for node, _repeats in placed:
        name = node.get("name")
        if not name:
            continue
        found: set[str] = set()
        for key in VALUE_KEYS:
            if node.get(key):
                try:
                    found |= references(node[key])
                except ExpressionError:
                    continue
        reads[name] = (found & order.keys()) | reads.get(name, set())
        for child in node.get("children") or ():
            if child.get("name"):  # a group's relevance decides its children's values
                reads.setdefault(child["name"], set()).add(name)
    levels: dict[str, int] = {}
    visiting: list[str] = []

    def level(name: str) -> int:
        if name in levels:
            return levels[name]
        if name in visiting:
            raise DependencyCycle(visiting[visiting.index(name):] + [name])
        visiting.append(name)
        deepest = 0
        for other in reads.get(name, ()):
            deepest = max(deepest, level(other) + (1 if order[other] >= order[name] else 0))
        visiting.pop()
        levels[name] = deepest
        return deepest

    for name in order:
        level(name)
    return levels


class DependencyCycle(Exception):
    """A field's value depends on itself; ``names`` is the cycle, first name repeated last."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(" → ".join("${" + name + "}" for name in names))
        self.names = names


def walks_needed(definition: dict[str, Any]) -> int:
    """How many walks ``check`` needs for its verdict to be the one of evaluating every field in
    dependency order: one more than the deepest chain of fields reading fields placed after them
    (``a = ${b} + 1`` placed before ``b = ${c} + 1`` before ``c = 1`` needs 3), at least 2 when a
    field outside a repeat reads the repeat's answers before it is walked, which the first walk
    can only guess. A form whose values depend on themselves is refused at import, so the walks
    end.
    """
    try:
        levels = dependency_levels(definition)
    except DependencyCycle:
        return 1  # refused at import; a form stored before keeps one walk
    walks = max(max(levels.values(), default=0) + 1, _repeat_walks(definition))
    # A refused answer is stored empty, so a constraint, required or choice filter reading a
    # field placed after it decides a value too: one more walk lets it see that field.
    placed = list(_placed(definition["nodes"], ()))
    order = {node["name"]: index for index, (node, _) in enumerate(placed) if node.get("name")}
    for index, (node, _repeats) in enumerate(placed):
        for key in ("constraint", "required", "choice_filter"):
            try:
                names = references(node[key]) if node.get(key) else set()
            except ExpressionError:
                continue
            if any(order.get(name, -1) >= index for name in names):
                return walks + 1
    return walks


def _repeat_walks(definition: dict[str, Any]) -> int:
    """3 when a field outside a repeat reads the answers of a repeat not walked yet: the first
    walk counts answers a constraint may refuse once later answers are known, so the second
    walk's lists are a guess and the third decides; else 1."""
    placed = list(_placed(definition["nodes"], ()))
    lists = {node["name"]: repeats + ((node["name"],) if node["kind"] == "repeat" else ())
             for node, repeats in placed if node.get("name")}
    defined: set[str] = set()
    for node, repeats in placed:
        for key in EXPRESSION_KEYS:
            try:
                names = references(node[key]) if node.get(key) else set()
            except ExpressionError:
                continue
            if any(set(lists.get(name, ())) - set(repeats) for name in names - defined):
                return 3
        if node.get("name"):
            defined.add(node["name"])
    return 1


def _placed(nodes: list[dict[str, Any]], repeats: tuple[str, ...]) -> Iterator[tuple[dict[str, Any], tuple[str, ...]]]:
    """Every node in document order, with the repeats it is inside (a repeat is not inside itself)."""
    for node in nodes:
        yield node, repeats
        if node.get("children"):
            inner = repeats + ((node["name"],) if node["kind"] == "repeat" else ())
            yield from _placed(node["children"], inner)


def _fields(nodes: list[dict[str, Any]]) -> list[str]:
    """The questions and repeats inside a repeat instance, nested ones included."""
    names = []
    for node in nodes:
        if node["kind"] in ("question", "repeat"):
            names.append(node["name"])
        if node.get("children"):
            names.extend(_fields(node["children"]))
    return names


class _Walker:
    def __init__(self, moment: Moment, language: str, result: Checked,
                 earlier: Mapping[str, dict[str, Any]], guessing: bool) -> None:
        self.moment = moment
        self.language = language
        self.result = result
        # Each repeat instance's own answers, by path: an earlier walk's let an instance read
        # its own later fields; this walk's are handed to the next.
        self.earlier = earlier
        self.instances: dict[str, dict[str, Any]] = {}
        # In a first walk of several: what was sent for each answer the walk refused.
        self.guessing = guessing
        self.refused: dict[str, str] = {}
        self.today = moment.ended.date()
        self.scope: Mapping[str, Any] | None = None
        self.scope_context = EvalContext()
        # Per repeat instance's scope (by identity): its 1-based number, for position(..).
        self.positions: dict[int, int] = {}
        # Each repeat field's answers in the instances walked so far, for indexed-repeat().
        self.lists: dict[str, list[Any]] = {}

    def context(self, scope: Mapping[str, Any], current: Any = None) -> EvalContext:
        """The context reading ``scope``, which sees answers as they are added to it.

        Made once per scope (the form's, a repeat instance's, a choice's) rather than once per
        expression; a constraint's, which also sees the answer as ``.``, is made each time.
        """
        position = self.positions.get(id(scope), 1)
        if current is not None:
            return EvalContext(scope, current=current, today=self.today, now=self.moment.ended,
                               position=position, lists=self.lists)
        if scope is not self.scope:
            self.scope = scope
            self.scope_context = EvalContext(scope, today=self.today, now=self.moment.ended,
                                             position=position, lists=self.lists)
        return self.scope_context

    def truth(self, expr: str, scope: Mapping[str, Any], current: Any = None) -> bool:
        if not expr:
            return True
        try:  # true() and false() (pyxform writes "required: yes" as true()) compile to constants
            return to_boolean(compiled(expr)(self.context(scope, current)))
        except ExpressionError:
            return False

    def nodes(self, nodes: list[dict[str, Any]], raw: Mapping[str, Any], out: dict[str, Any],
              scope: dict[str, Any], parent_relevant: bool, prefix: str) -> None:
        for node in nodes:
            relevant = parent_relevant and self.truth(node.get("relevant", ""), scope)
            kind = node["kind"]
            if kind in ("group", "meta"):
                self.nodes(node["children"], raw, out, scope, relevant, prefix)
            elif kind == "repeat":
                self.repeat(node, raw, out, scope, relevant, prefix)
            else:
                self.question(node, raw, out, scope, relevant, prefix)

    def repeat(self, node: dict[str, Any], raw: Mapping[str, Any], out: dict[str, Any],
               scope: dict[str, Any], relevant: bool, prefix: str) -> None:
        given = raw.get(node["name"])
        given = given if isinstance(given, list) else []
        if not relevant:
            count = 0
        elif node.get("count"):
            try:
                number = float(to_string(compiled(node["count"])(self.context(scope))) or 0)
            except (ExpressionError, ValueError):
                number = 0
            count = int(number) if math.isfinite(number) else 0
        else:
            count = len(given)
        count = max(0, min(count, MAX_REPEATS))
        scope[node["name"]] = [str(index + 1) for index in range(count)]
        names = _fields(node["children"])
        lists: dict[str, list[Any]] = {name: [] for name in names}
        self.lists.update(lists)
        instances = []
        for index in range(count):
            inst_raw = given[index] if index < len(given) and isinstance(given[index], Mapping) else {}
            inst_out: dict[str, Any] = {}
            inst_prefix = f"{prefix}{node['name']}~{index}~"
            inst_scope = {**scope, **self.earlier.get(inst_prefix, {})}
            self.positions[id(inst_scope)] = index + 1
            self.nodes(node["children"], inst_raw, inst_out, inst_scope, True, inst_prefix)
            own = {name: inst_scope.get(name, "") for name in names}
            self.instances[inst_prefix] = own
            for name, value in own.items():
                if isinstance(value, list):  # a nested repeat's answers
                    lists[name].extend(value)
                else:
                    lists[name].append(value or self.refused.get(inst_prefix + name, ""))
            instances.append(inst_out)
            del self.positions[id(inst_scope)]
        out[node["name"]] = instances
        scope.update(lists)

    def question(self, node: dict[str, Any], raw: Mapping[str, Any], out: dict[str, Any],
                 scope: dict[str, Any], relevant: bool, prefix: str) -> None:
        name, kind = node["name"], node["type"]
        path = prefix + name
        value: str | None = None
        if kind in ("start", "end", "today"):
            moment = {"start": self.moment.started, "end": self.moment.ended}.get(kind)
            value = self.moment.stamp(moment) if moment else self.moment.ended.date().isoformat()
        elif kind == "device":
            value = ""
        elif kind in ("calculate", "hidden") or (node.get("calculate") and kind not in INPUT_TYPES):
            value = self.calculate(node, scope) if relevant else ""
        elif kind in INPUT_TYPES:
            if node.get("calculate") and node.get("readonly"):
                value = self.calculate(node, scope) if relevant else None
            else:
                value = _given(raw.get(name), kind)
            sent = value
            if not relevant:
                value = None
            else:
                value = self.validate(node, value, scope, path)
            if self.guessing and not value and sent:
                self.refused[path] = sent
        scope[name] = value if value is not None else ""
        if value is not None and value != "":
            out[name] = value

    def calculate(self, node: dict[str, Any], scope: Mapping[str, Any]) -> str:
        if not node["calculate"]:  # e.g. meta/instanceID, which only a phone app fills in
            return ""
        try:
            return _stored(compiled(node["calculate"])(self.context(scope)))
        except ExpressionError:
            return ""

    def validate(self, node: dict[str, Any], value: str | None, scope: dict[str, Any], path: str) -> str | None:
        if value in (None, ""):
            if node.get("required") and self.truth(node["required"], scope):
                self.fail(path, node.get("required_msg") or {}, "required")
            return None
        assert value is not None  # noqa: S101  (narrows the type: an empty answer returned above)
        problem = _type_problem(node, value)
        if problem is None and node["type"] in ("select_one", "select_multiple"):
            allowed = {choice["name"] for choice in self.choices(node, scope)}
            picked = value.split() if node["type"] == "select_multiple" else [value]
            if not picked or any(item not in allowed for item in picked):
                problem = message("Choose one of the options offered.")
        if problem is not None:
            self.result.errors[path] = problem
            return None
        if node.get("constraint") and not self.truth(node["constraint"], scope, current=value):
            self.fail(path, node.get("constraint_msg") or {}, "constraint")
            return None
        return value

    def choices(self, node: dict[str, Any], scope: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The node's choices that its ``choice_filter`` lets through for these answers."""
        options = node.get("choices") or []
        expr = node.get("choice_filter")
        if not expr:
            return options
        kept = []
        for option in options:
            local = {**scope, **{CHOICE_PREFIX + key: text for key, text in option["attrs"].items()}}
            if self.truth(expr, local):
                kept.append(option)
        return kept

    def fail(self, path: str, texts: dict[str, str], which: str) -> None:
        own = pick(texts, self.language)
        self.result.errors[path] = own if own else message(ANSWER_TEXTS[which])


def _given(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        parts = [str(item).strip() for item in value if str(item).strip()]
        return " ".join(parts) if kind == "select_multiple" else (parts[0] if parts else "")
    text = str(value).replace("\r\n", "\n").strip()
    return " ".join(text.split()) if kind == "select_multiple" else text


def _stored(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return to_string(value)


def _type_problem(node: dict[str, Any], value: str) -> Message | None:
    kind = node["type"]
    if len(value) > MAX_TEXT:
        return message("Keep the answer under %(count)s characters.", count=MAX_TEXT)
    if kind == "integer" and not _INTEGER.fullmatch(value):
        return message("Enter a whole number.")
    if kind in ("decimal", "range"):
        if not _DECIMAL.fullmatch(value):
            return message("Enter a number.")
        if kind == "range":
            return _range_problem(node["params"], float(value))
    if kind == "date" and not _is_date(value):
        return message("Enter a date as YYYY-MM-DD.")
    if kind == "time" and not _TIME.fullmatch(value):
        return message("Enter a time as HH:MM.")
    if kind == "datetime" and not _is_datetime(value):
        return message("Enter a date and time.")
    if kind == "acknowledge" and value != "OK":
        return message("Choose one of the options offered.")
    return None


def _range_problem(params: dict[str, str], number: float) -> Message | None:
    try:
        start, end, step = float(params["start"]), float(params["end"]), float(params["step"])
    except ValueError:
        return None
    low, high = min(start, end), max(start, end)
    off_step = step and abs(((number - start) / step) - round((number - start) / step)) > 1e-9
    if number < low or number > high or off_step:
        return message("Choose a value between %(low)s and %(high)s.", low=params["start"], high=params["end"])
    return None


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _is_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return "T" in value or " " in value
