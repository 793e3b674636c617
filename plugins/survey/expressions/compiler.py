"""Compile a parsed expression once into nested Python closures, so that checking answers walks
no syntax tree.

Each node becomes a function of the :class:`EvalContext`, with the operator or function it
applies chosen once, when compiling, rather than by ``isinstance`` tests and string
comparisons at every evaluation. No Python source is generated or run: the closures are built
from the tree. On top of that:

- a part that reads neither an answer nor the clock is computed once (``1 div 0``, ``true()``,
  ``concat('a', 'b')``), and an ``if``, ``and`` or ``or`` decided by such a part keeps only the
  branch that can run;
- the other side of a comparison with a literal is converted once (``. >= 0``, ``${q} != 'x'``);
- ``selected()`` with a literal choice and ``regex()`` with a literal pattern prepare the choice
  and the compiled pattern once; ``and``, ``or``, ``not()``, ``string-length()`` and
  ``count-selected()`` call their conversions directly.

The results are exactly those of the tree-walking :func:`~.evaluator.interpret`, errors and
their positions included; ``tests/plugins/survey/test_compiled.py`` holds the two together.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .context import MISSING, EvalContext, node_set
from .functions import (
    FUNCTIONS,
    XML_SPACE,
    Function,
    Value,
    compile_regex,
    indexed_repeat,
    is_selected,
    split_choices,
    to_boolean,
    to_number,
    to_string,
    to_value,
)
from .lexer import ExpressionError
from .operators import ARITHMETIC, RELATIONS, equals, not_equals, relation
from .parser import Binary, Call, Current, Literal, Negate, Node, Ref, parse

Compiled = Callable[[EvalContext], Value]

# Parts whose value is always a bool, so that a condition made of them needs no to_boolean().
_BOOLEAN_OPERATORS = frozenset({"=", "!=", "<", "<=", ">", ">=", "and", "or"})
_BOOLEAN_FUNCTIONS = frozenset({
    "not", "true", "false", "boolean", "boolean-from-string", "selected", "contains",
    "starts-with", "ends-with", "regex",
})


@lru_cache(maxsize=4096)
def compiled(expr: str) -> Compiled:
    """``expr`` parsed and compiled, cached by text; call the result with an :class:`EvalContext`.

    Raises :class:`ExpressionError` where :func:`~.parser.parse` does.
    """
    return compile_node(parse(expr))


def compile_node(node: Node) -> Compiled:
    """``node`` (from :func:`~.parser.parse`) as a function of the context."""
    return _closure(_part(node))


@dataclass(frozen=True)
class _Constant:
    """A part whose value is known when compiling."""

    value: Value


Part = Compiled | _Constant


class _ReadsContext(Exception):
    """Raised by :data:`_NO_CONTEXT`: the part being folded reads the context after all."""


class _NoContext:
    """Stands for the context while folding: any use of it means the part is not constant."""

    def __getattr__(self, name: str) -> None:
        raise _ReadsContext(name)


_NO_CONTEXT = _NoContext()


def _closure(part: Part) -> Compiled:
    if isinstance(part, _Constant):
        value = part.value
        return lambda ctx: value
    return part


def _folded(closure: Compiled, parts: Sequence[Part]) -> Part:
    """``closure``'s value if all its operands are constant and it reads nothing else."""
    if all(isinstance(part, _Constant) for part in parts):
        try:
            return _Constant(closure(_NO_CONTEXT))  # type: ignore[arg-type]  # tried without a context
        except Exception:  # noqa: S110  (it reads the clock or ``.``, or it is left to fail when it runs)
            pass
    return closure


def _part(node: Node) -> Part:
    if isinstance(node, Literal):
        return _Constant(node.value)
    if isinstance(node, Ref):
        return _answer(node.name)
    if isinstance(node, Current):
        return _current
    if isinstance(node, Negate):
        operand = _part(node.operand)
        negated = _closure(operand)
        return _folded(lambda ctx: -to_number(negated(ctx)), [operand])
    if isinstance(node, Binary):
        return _binary(node)
    if isinstance(node, Call):
        return _call(node)
    raise TypeError(f"not an expression node: {node!r}")


def _answer(name: str) -> Compiled:
    def read(ctx: EvalContext) -> Value:  # EvalContext.value_of, without the method call
        raw = ctx.values.get(name, MISSING)
        if isinstance(raw, str):
            return [raw]
        return node_set(raw)

    return read



def _current(ctx: EvalContext) -> Value:
    return [to_value(ctx.current)]


def _condition(node: Node, part: Part) -> Part:
    """``part``, compiled from ``node``, made to give a bool as XPath ``boolean()`` reads it."""
    if isinstance(part, _Constant):
        return _Constant(to_boolean(part.value))
    if isinstance(node, Binary) and node.op in _BOOLEAN_OPERATORS:
        return part
    if isinstance(node, Call) and node.name in _BOOLEAN_FUNCTIONS:
        return part
    return lambda ctx: to_boolean(part(ctx))


# ---------------------------------------------------------------------------------------------
# Operators
# ---------------------------------------------------------------------------------------------


def _binary(node: Binary) -> Part:
    if node.op in ("and", "or"):
        return _logical(node)
    left, right = _part(node.left), _part(node.right)
    if node.op in ("=", "!="):
        closure = _equality(node.op == "!=", left, right)
    elif node.op in RELATIONS:
        closure = _relational(node.op, left, right)
    else:
        closure = _numeric(ARITHMETIC[node.op], left, right)
    return _folded(closure, [left, right])


def _logical(node: Binary) -> Part:
    left = _condition(node.left, _part(node.left))
    right = _condition(node.right, _part(node.right))
    if isinstance(left, _Constant):
        # false() and …, true() or …: decided; otherwise the right side alone decides.
        decided = left.value is (node.op == "or")
        return left if decided else right
    # A constant right side is not folded: the left side still runs, and may raise.
    first, second = left, _closure(right)
    if node.op == "and":
        return lambda ctx: first(ctx) and second(ctx)
    return lambda ctx: first(ctx) or second(ctx)


def _equality(negate: bool, left: Part, right: Part) -> Compiled:
    """``=`` (or ``!=`` when ``negate``); both are symmetric, so a literal is put right."""
    compare = not_equals if negate else equals
    if isinstance(left, _Constant) and not isinstance(right, _Constant):
        left, right = right, left
    first = _closure(left)
    if not isinstance(right, _Constant):
        second = right
        return lambda ctx: compare(first(ctx), second(ctx))
    constant = right.value
    if isinstance(constant, str):
        # A field (a node-set of one answer) against text compares as text; anything else takes
        # the general rules.
        def same_text(ctx: EvalContext) -> bool:
            value = first(ctx)
            if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
                return (value[0] == constant) is not negate
            return compare(value, constant)

        return same_text
    return lambda ctx: compare(first(ctx), constant)


def _relational(op: str, left: Part, right: Part) -> Compiled:
    """``<`` ``<=`` ``>`` ``>=``: existential over node-sets, so no side is converted ahead.

    Against a literal (a constraint's ``. <= 100``), the literal is read as a number once,
    and one answer against it is compared at once, as :func:`relation` would.
    """
    apply = RELATIONS[op]
    first = _closure(left)
    if isinstance(right, _Constant) and isinstance(right.value, (str, float)):
        y = to_number(right.value)

        def against_literal(ctx: EvalContext) -> bool:
            value = first(ctx)
            if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
                return apply(to_number(value[0]), y)
            return relation(apply, value, y)

        return against_literal
    second = _closure(right)
    return lambda ctx: relation(apply, first(ctx), second(ctx))


def _numeric(apply: Callable[[float, float], float], left: Part, right: Part) -> Compiled:
    """An operator on both sides read as numbers; a literal side is read once."""
    if isinstance(right, _Constant):
        first, y = _closure(left), to_number(right.value)
        return lambda ctx: apply(to_number(first(ctx)), y)
    if isinstance(left, _Constant):
        x, second = to_number(left.value), right
        return lambda ctx: apply(x, to_number(second(ctx)))
    return lambda ctx: apply(to_number(left(ctx)), to_number(right(ctx)))


# ---------------------------------------------------------------------------------------------
# Function calls
# ---------------------------------------------------------------------------------------------


def _call(node: Call) -> Part:
    if node.name == "if":
        return _if(node)
    if node.name == "coalesce":
        return _coalesce(node)
    if node.name == "position":
        return lambda ctx: float(ctx.position)
    if node.name == "indexed-repeat":
        return _indexed_repeat(node)
    parts = [_part(arg) for arg in node.args]
    closure = _special(node, parts) or _applied(node, parts)
    return _folded(closure, parts)


def _if(node: Call) -> Part:
    condition = _condition(node.args[0], _part(node.args[0]))
    chosen, otherwise = _part(node.args[1]), _part(node.args[2])
    if isinstance(condition, _Constant):
        return chosen if condition.value else otherwise
    yes, no = _closure(chosen), _closure(otherwise)
    return lambda ctx: yes(ctx) if condition(ctx) else no(ctx)


def _indexed_repeat(node: Call) -> Compiled:
    field = node.args[0]
    assert isinstance(field, Ref)  # noqa: S101  (the parser allows nothing else)
    name, index = field.name, _closure(_part(node.args[2]))
    return lambda ctx: indexed_repeat(name, index(ctx), ctx)


def _coalesce(node: Call) -> Part:
    """The first non-empty value; constant arguments that are empty are never it, and one that
    is not ends the list."""
    kept: list[Part] = []
    for part in map(_part, node.args):
        if isinstance(part, _Constant):
            if to_string(part.value) == "":
                continue
            kept.append(part)
            break
        kept.append(part)
    if not kept:
        return _Constant("")
    if isinstance(kept[0], _Constant):
        return kept[0]
    args = [_closure(part) for part in kept]

    def first_given(ctx: EvalContext) -> Value:
        for arg in args:
            value = arg(ctx)
            if to_string(value) != "":
                return value
        return ""

    return first_given


def _special(node: Call, parts: list[Part]) -> Compiled | None:
    """A closure of its own for the functions forms use most, else ``None``."""
    name = node.name
    if name == "not":
        condition = _closure(_condition(node.args[0], parts[0]))
        return lambda ctx: not condition(ctx)
    if name == "string-length":
        text = _closure(parts[0]) if parts else _current
        return lambda ctx: float(len(to_string(text(ctx))))
    if name == "count-selected":
        answer = _closure(parts[0])
        return lambda ctx: float(len(split_choices(answer(ctx))))
    if name == "selected" and isinstance(parts[1], _Constant):
        answer, choice = _closure(parts[0]), to_string(parts[1].value).strip(XML_SPACE)
        return lambda ctx: is_selected(answer(ctx), choice)
    if name == "regex" and isinstance(parts[1], _Constant):
        try:
            pattern = compile_regex(to_string(parts[1].value))
        except ExpressionError:
            return None  # raised when it runs, with its position, as any other call's
        text = _closure(parts[0])
        return lambda ctx: pattern.search(to_string(text(ctx))) is not None
    return None


def _applied(node: Call, parts: list[Part]) -> Compiled:
    """A call to the library's implementation of ``node``'s function."""
    function: Function = FUNCTIONS[node.name][2]
    args = [_closure(part) for part in parts]
    position = node.args[-1].position if node.args else None

    def call(ctx: EvalContext) -> Value:
        values = [arg(ctx) for arg in args]
        try:
            return function(values, ctx)
        except ExpressionError as error:  # a regular expression built from answers
            if error.position is None:
                error.position = position
            raise

    return call
