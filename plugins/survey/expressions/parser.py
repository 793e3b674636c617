"""A Pratt parser from XLSForm expression text to an immutable syntax tree.

Precedence, loosest first, as in XPath 1.0: ``or``; ``and``; ``=`` ``!=``; ``<`` ``<=`` ``>``
``>=``; ``+`` ``-``; ``*`` ``div`` ``mod``; unary ``-``.  All binary operators are
left-associative.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from core.i18n import N_

from .functions import FUNCTIONS, UNSUPPORTED, check_regex
from .lexer import ExpressionError, Kind, Token, tokenize

MAX_DEPTH = 50

BINDING_POWER: dict[str, int] = {
    "or": 10,
    "and": 20,
    "=": 30,
    "!=": 30,
    "<": 40,
    "<=": 40,
    ">": 40,
    ">=": 40,
    "+": 50,
    "-": 50,
    "*": 60,
    "div": 60,
    "mod": 60,
}
UNARY_POWER = 70
_WORD_OPERATORS = frozenset({"and", "or", "div", "mod"})


@dataclass(frozen=True)
class Node:
    """A syntax tree node; ``position`` is the 1-based offset of its first character."""

    position: int


@dataclass(frozen=True)
class Literal(Node):
    value: str | float


@dataclass(frozen=True)
class Ref(Node):
    """``${name}`` (or ``/data/…/name``)."""

    name: str


@dataclass(frozen=True)
class Current(Node):
    """``.``: the value being constrained."""


@dataclass(frozen=True)
class Parent(Node):
    """``..``: the repeat instance around the field, as ``position(..)`` reads it."""


@dataclass(frozen=True)
class Negate(Node):
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


class _Parser:
    def __init__(self, expr: str) -> None:
        self.tokens = tokenize(expr)
        self.index = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not Kind.END:
            self.index += 1
        return token

    def expect(self, kind: Kind, expected: str) -> Token:
        token = self.advance()
        if token.kind is not kind:
            raise ExpressionError(
                N_("Expected %(expected)s at position %(position)s but found %(token)s."),
                expected=expected,
                position=token.position,
                token=token.describe(),
            )
        return token

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                N_("The expression is nested too deeply (more than %(limit)s levels) at "
                   "position %(position)s."),
                limit=MAX_DEPTH,
                position=token.position,
            )

    def parse(self) -> Node:
        node = self.expression(0)
        token = self.peek()
        if token.kind is not Kind.END:
            raise _unexpected(token)
        return node

    def expression(self, right_power: int) -> Node:
        left = self.prefix()
        while True:
            token = self.peek()
            op = _binary_operator(token)
            if op is None or BINDING_POWER[op] <= right_power:
                return left
            self.advance()
            left = Binary(token.position, op, left, self.expression(BINDING_POWER[op]))

    def prefix(self) -> Node:
        token = self.advance()
        kind = token.kind
        if kind is Kind.NUMBER:
            return Literal(token.position, float(token.text))
        if kind is Kind.STRING:
            return Literal(token.position, token.text)
        if kind is Kind.REF:
            return Ref(token.position, token.text)
        if kind is Kind.CURRENT:
            return Current(token.position)
        if kind is Kind.PARENT:
            raise ExpressionError(
                N_("Relative paths such as '..' are not supported (position %(position)s); "
                   "refer to fields as ${name}."),
                position=token.position,
            )
        if kind is Kind.OP and token.text == "-":
            self.enter(token)
            operand = self.expression(UNARY_POWER)
            self.depth -= 1
            return Negate(token.position, operand)
        if kind is Kind.LPAREN:
            self.enter(token)
            inner = self.expression(0)
            self.expect(Kind.RPAREN, "')'")
            self.depth -= 1
            return inner
        if kind is Kind.NAME and token.text not in _WORD_OPERATORS:
            if self.peek().kind is Kind.LPAREN:
                return self.call(token)
            raise ExpressionError(
                N_("Unknown name %(name)s at position %(position)s; refer to fields as "
                   "${%(name)s}."),
                name=token.text,
                position=token.position,
            )
        raise _unexpected(token)

    def call(self, name: Token) -> Node:
        if name.text in UNSUPPORTED:
            raise ExpressionError(
                N_("The function %(name)s() is not supported in Duban forms (position "
                   "%(position)s)."),
                name=name.text,
                position=name.position,
            )
        if name.text not in FUNCTIONS:
            raise ExpressionError(
                N_("Unknown function %(name)s() at position %(position)s."),
                name=name.text,
                position=name.position,
            )
        self.enter(name)
        self.advance()  # (
        args: list[Node] = []
        if name.text == "position" and self.peek().kind is Kind.PARENT:
            args.append(Parent(self.advance().position))
        elif self.peek().kind is not Kind.RPAREN:
            args.append(self.expression(0))
            while self.peek().kind is Kind.COMMA:
                self.advance()
                args.append(self.expression(0))
        self.expect(Kind.RPAREN, "')'")
        self.depth -= 1
        _check_arity(name, len(args))
        if name.text == "position" and not isinstance(args[0], Parent):
            raise ExpressionError(
                N_("position() reads only the repeat instance around the field: write "
                   "position(..) (position %(position)s)."),
                position=name.position,
            )
        if name.text == "indexed-repeat" and not (isinstance(args[0], Ref) and isinstance(args[1], Ref)):
            raise ExpressionError(
                N_("indexed-repeat() takes a field of a repeat and the repeat, as "
                   "indexed-repeat(${field}, ${repeat}, number) (position %(position)s)."),
                position=name.position,
            )
        if name.text == "regex" and isinstance(args[1], Literal):
            pattern = args[1].value
            try:
                check_regex(pattern if isinstance(pattern, str) else "")
            except ExpressionError as error:
                error.position = args[1].position
                raise
        return Call(name.position, name.text, tuple(args))


def _binary_operator(token: Token) -> str | None:
    if token.kind is Kind.OP or (token.kind is Kind.NAME and token.text in _WORD_OPERATORS):
        return token.text
    return None


def _unexpected(token: Token) -> ExpressionError:
    if token.kind is Kind.END:
        return ExpressionError(
            N_("Unexpected end of expression at position %(position)s."),
            position=token.position,
        )
    return ExpressionError(
        N_("Unexpected %(token)s at position %(position)s."),
        token=token.describe(),
        position=token.position,
    )


def _check_arity(name: Token, given: int) -> None:
    fewest, most, _ = FUNCTIONS[name.text]
    if fewest <= given and (most is None or given <= most):
        return
    params = {"name": name.text, "given": given, "position": name.position}
    if most is None:
        raise ExpressionError(
            N_("%(name)s() takes at least %(min)s arguments, not %(given)s (position "
               "%(position)s)."),
            min=fewest,
            **params,
        )
    if fewest == most:
        raise ExpressionError(
            N_("%(name)s() takes %(min)s arguments, not %(given)s (position %(position)s)."),
            min=fewest,
            **params,
        )
    raise ExpressionError(
        N_("%(name)s() takes %(min)s to %(max)s arguments, not %(given)s (position "
           "%(position)s)."),
        min=fewest,
        max=most,
        **params,
    )


@lru_cache(maxsize=4096)
def parse(expr: str) -> Node:
    """Parse ``expr`` into a syntax tree, cached by text.

    Raises :class:`ExpressionError` with the 1-based ``position`` for syntax errors, unknown
    or unsupported functions, wrong argument counts, unsafe regular-expression literals,
    expressions over 2000 characters and nesting deeper than :data:`MAX_DEPTH`.
    """
    return _Parser(expr).parse()


def walk(node: Node) -> list[Node]:
    """``node`` and all nodes below it, parents first."""
    found = [node]
    if isinstance(node, Negate):
        found += walk(node.operand)
    elif isinstance(node, Binary):
        found += walk(node.left) + walk(node.right)
    elif isinstance(node, Call):
        for arg in node.args:
            found += walk(arg)
    return found
