"""The rule condition language: a small parser of our own, evaluated over whole columns.

::

    overdue_days > 30 and returned_count >= 2
    reported_done and (survey.not_delivered >= 0.3 or audit.severe_findings > 0)
    missing(days_since_review) or days_since_review > 365

Numbers, feature names (``source.kind`` for signals), ``+ - * /``, comparisons
``< <= > >= == !=``, ``and``, ``or``, ``not``, parentheses, ``true``, ``false``
and ``missing(name)``. A comparison with a missing value is false; a number used
as a condition is true when above zero. Nothing is ever passed to ``eval``: the
text becomes a tree of the node classes below, and evaluating the tree can only
read feature columns.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.errors import ValidationError

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op><=|>=|==|!=|<|>|\+|-|\*|/|\(|\))
""", re.VERBOSE)
KEYWORDS = {"and", "or", "not", "true", "false", "missing"}
COMPARISONS = {"<", "<=", ">", ">=", "==", "!="}
MAX_LENGTH = 2000
MAX_DEPTH = 50


class ExpressionError(ValidationError):
    """A condition that cannot be read; ``column`` is 1-based within the condition."""

    def __init__(self, msgid: str, column: int, **params: object) -> None:
        super().__init__(msgid, column=column, **params)
        self.column = column


@dataclass(frozen=True)
class Token:
    kind: str  # number, name, op, end
    text: str
    column: int


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, refusing any character the language does not know."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError("The condition is too long (at most 2000 characters); stopped at column %(column)s.",
                              MAX_LENGTH)
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError("Unexpected character %(char)s at column %(column)s.", position + 1,
                                  char=repr(text[position]))
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, match.group(), position + 1))
        position = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


# -- the tree ----------------------------------------------------------------

Column = Callable[[str], np.ndarray]


class Node:
    """A node of a parsed condition."""

    column: int = 0

    def evaluate(self, get: Column) -> np.ndarray:
        raise NotImplementedError

    def names(self) -> set[str]:
        return set()


@dataclass
class Number(Node):
    value: float
    column: int = 0

    def evaluate(self, get: Column) -> np.ndarray:
        return np.float64(self.value)  # type: ignore[return-value]  # a NumPy scalar broadcasts as an array does


@dataclass
class Boolean(Node):
    value: bool
    column: int = 0

    def evaluate(self, get: Column) -> np.ndarray:
        return np.bool_(self.value)  # type: ignore[return-value]  # a NumPy scalar broadcasts as an array does


@dataclass
class Name(Node):
    name: str
    column: int = 0

    def evaluate(self, get: Column) -> np.ndarray:
        return get(self.name)

    def names(self) -> set[str]:
        return {self.name}


@dataclass
class Missing(Node):
    name: str
    column: int = 0

    def evaluate(self, get: Column) -> np.ndarray:
        return np.isnan(get(self.name))

    def names(self) -> set[str]:
        return {self.name}


def truth(value: np.ndarray) -> np.ndarray:
    """A value as a condition: booleans as they are, numbers true when above zero (missing is false)."""
    value = np.asarray(value)
    if value.dtype == bool:
        return value
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(value, nan=0.0) > 0


def number(value: np.ndarray) -> np.ndarray:
    value = np.asarray(value)
    return value.astype(float) if value.dtype == bool else value


@dataclass
class Binary(Node):
    op: str
    left: Node
    right: Node
    column: int = 0

    def evaluate(self, get: Column) -> np.ndarray:
        left, right = self.left.evaluate(get), self.right.evaluate(get)
        if self.op == "and":
            return truth(left) & truth(right)
        if self.op == "or":
            return truth(left) | truth(right)
        a, b = number(left), number(right)
        with np.errstate(all="ignore"):
            if self.op in COMPARISONS:
                known = ~(np.isnan(a) | np.isnan(b))
                result = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
                          "==": np.equal, "!=": np.not_equal}[self.op](a, b)
                return result & known
            if self.op == "+":
                return a + b
            if self.op == "-":
                return a - b
            if self.op == "*":
                return a * b
            return np.where(b == 0, np.nan, a / np.where(b == 0, 1, b))

    def names(self) -> set[str]:
        return self.left.names() | self.right.names()


@dataclass
class Unary(Node):
    op: str
    operand: Node
    column: int = 0

    def evaluate(self, get: Column) -> np.ndarray:
        value = self.operand.evaluate(get)
        if self.op == "not":
            return ~truth(value)
        return -number(value)

    def names(self) -> set[str]:
        return self.operand.names()


# -- the parser ----------------------------------------------------------------


class Parser:
    """Recursive descent over the tokens; every error names the column where it was found."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.position = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.position]

    def advance(self) -> Token:
        token = self.current
        self.position += 1
        return token

    def at(self, *texts: str) -> bool:
        token = self.current
        return token.kind in ("op", "name") and token.text in texts

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise ExpressionError("The condition is empty.", 1)
        node = self.disjunction()
        if self.current.kind != "end":
            raise ExpressionError("Unexpected %(text)s at column %(column)s.", self.current.column,
                                  text=repr(self.current.text))
        return node

    def disjunction(self) -> Node:
        node = self.conjunction()
        while self.at("or"):
            token = self.advance()
            node = Binary("or", node, self.conjunction(), token.column)
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while self.at("and"):
            token = self.advance()
            node = Binary("and", node, self.negation(), token.column)
        return node

    def negation(self) -> Node:
        if self.at("not"):
            token = self.advance()
            return Unary("not", self.nested(self.negation), token.column)
        return self.comparison()

    def comparison(self) -> Node:
        node = self.sum()
        if self.current.kind == "op" and self.current.text in COMPARISONS:
            token = self.advance()
            node = Binary(token.text, node, self.sum(), token.column)
            if self.current.kind == "op" and self.current.text in COMPARISONS:
                raise ExpressionError("Comparisons cannot be chained (column %(column)s); join them with and.",
                                      self.current.column)
        return node

    def sum(self) -> Node:
        node = self.product()
        while self.at("+", "-"):
            token = self.advance()
            node = Binary(token.text, node, self.product(), token.column)
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.at("*", "/"):
            token = self.advance()
            node = Binary(token.text, node, self.unary(), token.column)
        return node

    def unary(self) -> Node:
        if self.at("-"):
            token = self.advance()
            return Unary("-", self.nested(self.unary), token.column)
        return self.atom()

    def nested(self, rule: Callable[[], Node]) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError("The condition is nested too deeply (column %(column)s).", self.current.column)
        try:
            return rule()
        finally:
            self.depth -= 1

    def atom(self) -> Node:
        token = self.current
        if token.kind == "number":
            self.advance()
            return Number(float(token.text), token.column)
        if token.kind == "op" and token.text == "(":
            self.advance()
            node = self.nested(self.disjunction)
            if not self.at(")"):
                raise ExpressionError("A closing parenthesis is missing at column %(column)s.", self.current.column)
            self.advance()
            return node
        if token.kind == "name":
            if token.text in ("true", "false"):
                self.advance()
                return Boolean(token.text == "true", token.column)
            if token.text == "missing":
                self.advance()
                if not self.at("("):
                    raise ExpressionError("Write missing(feature); column %(column)s.", self.current.column)
                self.advance()
                name = self.current
                if name.kind != "name" or name.text in KEYWORDS:
                    raise ExpressionError("A feature name is expected at column %(column)s.", name.column)
                self.advance()
                if not self.at(")"):
                    raise ExpressionError("A closing parenthesis is missing at column %(column)s.",
                                          self.current.column)
                self.advance()
                return Missing(name.text, name.column)
            if token.text in KEYWORDS:
                raise ExpressionError("%(text)s cannot stand here (column %(column)s).", token.column,
                                      text=repr(token.text))
            self.advance()
            return Name(token.text, token.column)
        if token.kind == "end":
            raise ExpressionError("The condition ends too early, at column %(column)s.", token.column)
        raise ExpressionError("Unexpected %(text)s at column %(column)s.", token.column, text=repr(token.text))


def parse(text: str, known: set[str] | None = None) -> Node:
    """Parse a condition; with ``known``, refuse a feature name not in it, at its column."""
    node = Parser(text).parse()
    if known is not None:
        _check_names(node, known)
    return node


def _check_names(node: Node, known: set[str]) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (Name, Missing)) and current.name not in known:
            raise ExpressionError("Unknown feature %(name)s at column %(column)s.", current.column,
                                  name=repr(current.name))
        if isinstance(current, Binary):
            stack.extend((current.left, current.right))
        elif isinstance(current, Unary):
            stack.append(current.operand)
