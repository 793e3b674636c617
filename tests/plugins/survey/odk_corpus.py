"""A fixed-seed corpus of XLSForm expressions and answers, for the differential test against the
ODK ecosystem's evaluators (``test_odk_reference.py``).

Every case is an expression written as a form author writes it (``${name}``, ``.``), over one
set of answers to a small form, evaluated at the top of the form or inside the second of three
repeat instances, and read as a calculation stores it (``string``) or as a condition reads it
(``boolean``). :func:`xpath` turns it into the XPath pyxform writes into the XForm: a field of
the repeat the expression sits in by a relative path, any other field by its absolute path.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

SEED = 20260601
TOP_FIELDS = ("txt", "age", "dec", "day", "sel1", "selm", "flag", "empty")
REPEAT = "rep"
REPEAT_FIELDS = ("n", "t")
INSTANCES = 3
CONTEXT_INSTANCE = 2  # the repeat instance a "rep" case is evaluated in (1-based)

TEXTS = ("", "abc", " 12 ", "3", "a b", "-0", "1e3", "true", "ABC", "555-123-4567", "x y z",
         "2024-02-29", "0", "NaN", "Infinity", "1.50", "aaaaab", "中文", "false", " ")
INTEGERS = ("", "0", "7", "-3", "12", "120", "2", "-1", "1")
DECIMALS = ("", "2.5", "-2.5", "0.1", "3.14159", "-0.5", "10", "0.5", "1.005", "-1.5")
DATES = ("", "2024-02-29", "1970-01-01", "2023-12-31", "2000-06-15", "1999-01-09")
SINGLE = ("", "a", "b", "c")
MULTIPLE = ("", "a", "a b", "b c", "a c", "c")
FLAGS = ("", "true", "false", "1", "0", "yes")

STRINGS = ("''", "'abc'", "'a'", "'3'", "' 12 '", "'b c'", "'1e3'", "'-2'", "'x'", "'2024-02-29'")
NUMBERS = ("0", "1", "2", "3", "-1", "2.5", "-2.5", "0.5", "10", "1.005", "-0", "100", "7")
PATTERNS = ("'^[0-9]{3}-[0-9]{3}-[0-9]{4}$'", "'^a+b$'", "'[a-z]+'", "'^$'", "'^[0-9]+$'",
            "'b c'", "'^\\s*12\\s*$'", "'^[A-Z]{3}$'", "'\\d'", "'^(ab|a)+$'", "'^.{3}$'")
CHOICE_LITERALS = ("'a'", "'b'", "''", "' c '")
DAY_LITERAL = "'2024-01-01'"
FORMATS = ("'%Y-%m-%d'", "'%d/%m/%y'", "'%e %b %Y'", "'%n'", "'%a'")


@dataclass(frozen=True)
class Case:
    """One expression, the answers it reads, where it is evaluated and how its result is read."""

    world: int
    context: str  # "top" (the expression of a top-level field) or "rep" (of a repeat field)
    expr: str
    read_as: str  # "string" or "boolean"
    kind: str


def worlds(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """``count`` sets of answers: top-level fields as text, the repeat's fields as lists."""
    pools = {"txt": TEXTS, "age": INTEGERS, "dec": DECIMALS, "day": DATES, "sel1": SINGLE,
             "selm": MULTIPLE, "flag": FLAGS, "empty": ("",)}
    made = []
    for _ in range(count):
        world: dict[str, Any] = {name: rng.choice(pools[name]) for name in TOP_FIELDS}
        world["n"] = [rng.choice(INTEGERS) for _ in range(INSTANCES)]
        world["t"] = [rng.choice(TEXTS) for _ in range(INSTANCES)]
        made.append(world)
    return made


class _Generator:
    def __init__(self, rng: random.Random, context: str) -> None:
        self.rng = rng
        self.context = context

    def pick(self, *options: str) -> str:
        return self.rng.choice(options)

    def field(self) -> str:
        return "${" + self.rng.choice(TOP_FIELDS) + "}"

    def number(self, depth: int = 0) -> str:
        choices = [
            lambda: self.pick(*NUMBERS),
            lambda: self.pick("${age}", "${dec}", "${txt}", "${flag}", "${empty}", "."),
            lambda: self.pick("${n}") if self.context == "rep" else "sum(${n})",
        ]
        if depth < 2:
            choices += [
                lambda: f"{self.number(depth + 1)} {self.pick('+', '-', '*', 'div', 'mod')} "
                        f"{self.number(depth + 1)}",
                lambda: f"-{self.number(depth + 1)}",
                lambda: f"({self.number(depth + 1)})",
                lambda: f"{self.pick('round', 'floor', 'ceiling', 'int', 'abs', 'number')}"
                        f"({self.number(depth + 1)})",
                lambda: f"round({self.number(depth + 1)}, {self.pick('0', '1', '2', '-1')})",
                lambda: f"string-length({self.string(depth + 1)})",
                lambda: f"count-selected({self.pick('${selm}', '${sel1}', '${txt}')})",
            ]
        return self.rng.choice(choices)()

    def string(self, depth: int = 0) -> str:
        choices = [lambda: self.pick(*STRINGS), lambda: self.field(), lambda: "."]
        if depth < 2:
            choices += [
                lambda: f"concat({self.string(depth + 1)}, {self.string(depth + 1)})",
                lambda: f"substr({self.string(depth + 1)}, {self.pick('0', '1', '2', '-2', '-1', '5')}"
                        + self.pick("", ", 1", ", 2", ", -1", ", 10") + ")",
                lambda: f"normalize-space({self.string(depth + 1)})",
                lambda: f"substring-before({self.string(depth + 1)}, {self.pick(*STRINGS)})",
                lambda: f"substring-after({self.string(depth + 1)}, {self.pick(*STRINGS)})",
                lambda: f"coalesce({self.string(depth + 1)}, {self.string(depth + 1)})",
                lambda: f"if({self.condition(depth + 1)}, {self.string(depth + 1)}, "
                        f"{self.string(depth + 1)})",
                lambda: f"string({self.number(depth + 1)})",
                lambda: f"selected-at(${{selm}}, {self.pick('0', '1', '2', '-1')})",
            ]
        return self.rng.choice(choices)()

    def condition(self, depth: int = 0) -> str:
        choices = [
            lambda: f"{self.number(depth + 1)} {self.pick('=', '!=', '<', '<=', '>', '>=')} "
                    f"{self.number(depth + 1)}",
            lambda: f"{self.field()} {self.pick('=', '!=')} {self.pick(*STRINGS)}",
            lambda: f"selected({self.pick('${selm}', '${sel1}', '${txt}')}, "
                    f"{self.pick(*CHOICE_LITERALS)})",
            lambda: self.pick("true()", "false()"),
            lambda: f"{self.pick('not', 'boolean')}({self.pick(*TOP_FIELDS_REFS, '.')})",
            lambda: self.field(),
            lambda: f"{self.pick('contains', 'starts-with', 'ends-with')}({self.string(depth + 1)}, "
                    f"{self.pick(*STRINGS)})",
            lambda: f"regex({self.string(depth + 1)}, {self.pick(*PATTERNS)})",
            lambda: f"boolean-from-string({self.field()})",
        ]
        if depth < 2:
            choices += [
                lambda: f"{self.condition(depth + 1)} {self.pick('and', 'or')} {self.condition(depth + 1)}",
                lambda: f"not({self.condition(depth + 1)})",
                lambda: f"{self.pick('true()', '${age}', '${txt}')} and {self.condition(depth + 1)}",
            ]
        return self.rng.choice(choices)()

    def date(self) -> str:
        day = self.pick("${day}", "${txt}", "date(${day})", "date('2024-02-29')", "date(19000)",
                        "date(${day} + 1)", "date(${age})")
        return self.rng.choice([
            lambda: f"format-date({day}, {self.pick(*FORMATS)})",
            lambda: f"{day} {self.pick('<', '>', '=', '!=')} "
                    f"{self.pick('${day}', DAY_LITERAL, 'date(' + DAY_LITERAL + ')')}",
            lambda: f"decimal-date-time({day})",
            lambda: f"string({day})",
            lambda: f"{day} + {self.pick('1', '0.5', '-365')}",
        ])()

    def repeat(self) -> str:
        if self.context == "rep":
            return self.rng.choice([
                lambda: "position(..)",
                lambda: f"position(..) {self.pick('+', '-', '*', '=', '>')} {self.pick('1', '2', '${age}')}",
                lambda: f"indexed-repeat(${{{self.pick(*REPEAT_FIELDS)}}}, ${{rep}}, "
                        f"{self.pick('1', '2', '3', '4', '0', 'position(..)', 'position(..) - 1', '${age}')})",
                lambda: "concat(${t}, '-', position(..))",
                lambda: f"${{n}} {self.pick('+', '>', '=')} {self.number(2)}",
                lambda: f"${{t}} {self.pick('=', '!=')} {self.pick(*STRINGS)}",
                lambda: "not(${t})",
            ])()
        return self.rng.choice([
            lambda: f"{self.pick('sum', 'count', 'max', 'min')}(${{{self.pick(*REPEAT_FIELDS)}}})",
            lambda: "count(${rep})",
            lambda: f"indexed-repeat(${{{self.pick(*REPEAT_FIELDS)}}}, ${{rep}}, "
                    f"{self.pick('1', '2', '3', '4', '0', '${age}', '1.5')})",
            lambda: f"${{{self.pick(*REPEAT_FIELDS)}}} {self.pick('=', '!=', '<', '>')} "
                    f"{self.pick(*STRINGS, *NUMBERS)}",
            lambda: f"join({self.pick(chr(39) + ', ' + chr(39), chr(39) + chr(39))}, ${{t}})",
            lambda: "sum(${n}) div count(${rep})",
            lambda: f"{self.pick('not', 'boolean')}(${{{self.pick(*REPEAT_FIELDS)}}})",
            lambda: "position(..)",
        ])()


TOP_FIELDS_REFS = tuple("${" + name + "}" for name in TOP_FIELDS)
KINDS = ("arithmetic", "comparison", "boolean", "string", "date", "select", "repeat", "regex",
         "coalesce")


def _expression(gen: _Generator, kind: str) -> tuple[str, str]:
    """An expression of ``kind`` and how it is read."""
    if kind == "arithmetic":
        return gen.number(), "string"
    if kind == "comparison":
        return (f"{gen.number(1)} {gen.pick('=', '!=', '<', '<=', '>', '>=')} "
                f"{gen.pick(gen.number(1), gen.string(1))}"), "boolean"
    if kind == "boolean":
        return gen.condition(), gen.pick("boolean", "string")
    if kind == "string":
        return gen.string(), "string"
    if kind == "date":
        return gen.date(), "string"
    if kind == "select":
        return gen.pick(
            f"selected({gen.pick('${selm}', '${sel1}', '${txt}', '.')}, "
            f"{gen.pick(*STRINGS, '${sel1}', '${empty}')})",
            "count-selected(${selm})",
            f"selected-at({gen.pick('${selm}', '${txt}')}, {gen.pick('0', '1', '2', '-1', '${age}')})",
        ), gen.pick("boolean", "string")
    if kind == "repeat":
        return gen.repeat(), gen.pick("string", "boolean")
    if kind == "regex":
        return f"regex({gen.pick('.', '${txt}', '${t}' if gen.context == 'rep' else '${txt}')}, "\
               f"{gen.pick(*PATTERNS)})", "boolean"
    return (f"coalesce({gen.pick('${empty}', '${txt}', '${age}', '.')}, "
            f"{gen.pick('${txt}', chr(39) + 'none' + chr(39), '${dec}')})"), "string"


def corpus(size: int = 3000, world_count: int = 40, seed: int = SEED) -> tuple[list[dict[str, Any]], list[Case]]:
    """The answers and ``size`` cases, the same for a given seed."""
    rng = random.Random(seed)
    answer_sets = worlds(rng, world_count)
    cases = []
    for index in range(size):
        context = "rep" if index % 3 == 2 else "top"
        kind = KINDS[index % len(KINDS)]
        expr, read_as = _expression(_Generator(rng, context), kind)
        cases.append(Case(rng.randrange(world_count), context, expr, read_as, kind))
    return answer_sets, cases


_REF = re.compile(r"\$\{([^}]+)\}")


def xpath(case: Case) -> str:
    """The case's expression as pyxform writes it into the XForm."""

    def path(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == REPEAT:
            return f"/data/{REPEAT}"
        if name in REPEAT_FIELDS:
            return f"../{name}" if case.context == "rep" else f"/data/{REPEAT}/{name}"
        return f"/data/{name}"

    text = case.expr
    # pyxform writes the field read by indexed-repeat() as an absolute path, even inside the repeat.
    text = re.sub(r"indexed-repeat\(\$\{([^}]+)\}", lambda m: f"indexed-repeat(/data/{REPEAT}/{m.group(1)}", text)
    return _REF.sub(path, text)  # no string literal of the corpus holds "${"


def duban_values(world: dict[str, Any], context: str) -> dict[str, Any]:
    """What Duban's evaluators see: inside the repeat its fields read the instance's own answer."""
    values: dict[str, Any] = {name: world[name] for name in TOP_FIELDS}
    values[REPEAT] = [str(index + 1) for index in range(INSTANCES)]
    for name in REPEAT_FIELDS:
        values[name] = world[name][CONTEXT_INSTANCE - 1] if context == "rep" else list(world[name])
    return values


def repeat_lists(world: dict[str, Any]) -> dict[str, list[str]]:
    """Every instance's answer of each repeat field, as indexed-repeat() reads them."""
    return {name: list(world[name]) for name in REPEAT_FIELDS}


def current(world: dict[str, Any], context: str) -> str:
    """The value of ``.``: the top-level text field, or the repeat instance's text field."""
    return world["t"][CONTEXT_INSTANCE - 1] if context == "rep" else world["txt"]
