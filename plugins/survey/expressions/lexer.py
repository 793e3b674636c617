"""Tokenizer for the XLSForm expression language.

Positions are 1-based character offsets into the expression, as a form author counts them.
Name rules are written out character by character (not with ``\\w``) so that the browser
implementation in ``static/survey/expressions.js`` can follow them exactly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from core.errors import ValidationError
from core.i18n import N_, Message, message

MAX_LENGTH = 2000

# Unicode spaces outside ASCII, listed so Python and the browser agree on what a name is.
_SPACES = frozenset("\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
                    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff")


class ExpressionError(ValidationError):
    """An expression that cannot be parsed or evaluated; ``position`` is 1-based when known."""

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid, **params)
        self.msgid = msgid
        self.position: int | None = params.get("position")

_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


class Kind(Enum):
    NUMBER = "number"
    STRING = "string"
    REF = "ref"  # ${name} or an absolute path /data/.../name
    CURRENT = "current"  # .
    PARENT = "parent"  # .. (only as the argument of position())
    NAME = "name"  # function name or an operator word (and, or, div, mod)
    OP = "op"  # + - * = != < <= > >=
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    END = "end"


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    position: int  # 1-based

    def describe(self) -> str | Message:
        """How the token is named in an error message."""
        if self.kind is Kind.END:
            return message(N_("end of expression"))
        return f"'{self.text}'"


def is_name_start(char: str) -> bool:
    """ASCII letters, underscore, and any non-ASCII character (Chinese names are allowed)."""
    if char.isascii():
        return char.isalpha() or char == "_"
    return char not in _SPACES


def is_name_char(char: str) -> bool:
    """A character allowed after the first in a field or function name."""
    return is_name_start(char) or char in "0123456789-."


def tokenize(expr: str) -> list[Token]:
    """Split ``expr`` into tokens, ending with an END token.

    Raises :class:`ExpressionError` for characters outside the language, unterminated strings
    or references, and expressions longer than :data:`MAX_LENGTH`.
    """
    if len(expr) > MAX_LENGTH:
        raise ExpressionError(
            N_("The expression is too long (%(length)s characters; the limit is %(limit)s)."),
            length=len(expr),
            limit=MAX_LENGTH,
        )
    tokens: list[Token] = []
    i, n = 0, len(expr)
    while i < n:
        char = expr[i]
        pos = i + 1
        if char in " \t\r\n":
            i += 1
        elif (char.isascii() and char.isdigit()) or (
            char == "." and i + 1 < n and expr[i + 1].isascii() and expr[i + 1].isdigit()
        ):
            match = _NUMBER.match(expr, i)
            assert match is not None  # noqa: S101  (narrows the type: the branch was chosen by this pattern)
            tokens.append(Token(Kind.NUMBER, match.group(), pos))
            i = match.end()
        elif char == ".":
            if i + 1 < n and expr[i + 1] == ".":
                tokens.append(Token(Kind.PARENT, "..", pos))
                i += 2
                continue
            tokens.append(Token(Kind.CURRENT, ".", pos))
            i += 1
        elif char in "'\"":
            end = expr.find(char, i + 1)
            if end < 0:
                raise ExpressionError(
                    N_("Unterminated string starting at position %(position)s."), position=pos
                )
            tokens.append(Token(Kind.STRING, expr[i + 1 : end], pos))
            i = end + 1
        elif char == "$":
            if i + 1 >= n or expr[i + 1] != "{":
                raise ExpressionError(
                    N_("Unexpected character %(char)s at position %(position)s."),
                    char="'$'",
                    position=pos,
                )
            end = expr.find("}", i + 2)
            if end < 0:
                raise ExpressionError(
                    N_("Unterminated field reference starting at position %(position)s."),
                    position=pos,
                )
            name = expr[i + 2 : end].strip(" \t\r\n")
            _check_name(name, pos)
            tokens.append(Token(Kind.REF, name, pos))
            i = end + 1
        elif char == "/":
            i = _absolute_path(expr, i, tokens)
        elif is_name_start(char):
            j = i + 1
            while j < n and (is_name_char(expr[j]) or expr[j] == ":"):
                j += 1
            tokens.append(Token(Kind.NAME, expr[i:j], pos))
            i = j
        elif char in "+-*=":
            tokens.append(Token(Kind.OP, char, pos))
            i += 1
        elif char in "<>!":
            if i + 1 < n and expr[i + 1] == "=":
                tokens.append(Token(Kind.OP, char + "=", pos))
                i += 2
            elif char == "!":
                raise ExpressionError(
                    N_("Unexpected character %(char)s at position %(position)s."),
                    char="'!'",
                    position=pos,
                )
            else:
                tokens.append(Token(Kind.OP, char, pos))
                i += 1
        elif char == "(":
            tokens.append(Token(Kind.LPAREN, char, pos))
            i += 1
        elif char == ")":
            tokens.append(Token(Kind.RPAREN, char, pos))
            i += 1
        elif char == ",":
            tokens.append(Token(Kind.COMMA, char, pos))
            i += 1
        else:
            raise ExpressionError(
                N_("Unexpected character %(char)s at position %(position)s."),
                char=f"'{char}'",
                position=pos,
            )
    tokens.append(Token(Kind.END, "", n + 1))
    return tokens


def _check_name(name: str, position: int) -> None:
    if not name or not is_name_start(name[0]) or not all(is_name_char(c) for c in name):
        raise ExpressionError(
            N_("Invalid field name %(name)s at position %(position)s."),
            name=f"'{name}'",
            position=position,
        )


def _absolute_path(expr: str, i: int, tokens: list[Token]) -> int:
    """Read ``/data/group/name`` (pyxform's form of ``${name}``) as a reference to ``name``."""
    start, n = i, len(expr)
    last = ""
    while i < n and expr[i] == "/":
        j = i + 1
        while j < n and is_name_char(expr[j]):
            j += 1
        last = expr[i + 1 : j]
        if not last or not is_name_start(last[0]):
            raise ExpressionError(
                N_("Invalid path %(path)s at position %(position)s; refer to fields as ${name}."),
                path=f"'{expr[start:j]}'",
                position=start + 1,
            )
        i = j
    tokens.append(Token(Kind.REF, last, start + 1))
    return i
