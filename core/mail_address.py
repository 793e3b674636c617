"""Whether a text is one e-mail address that a message can be sent to.

Duban stores addresses typed by people (invitee lists, user accounts) and later writes to
them from a job, where a bad address can only be skipped. Checking at entry lets the person
who typed it correct it. The check is strict on form and needs no network: an address that
passes may still not exist, which only the mail server can tell (see
:func:`core.notify.delivery.address_refused`).
"""
from __future__ import annotations

import re
import unicodedata
from email.utils import parseaddr

MAX_LENGTH = 254  # RFC 5321: the longest path a server must accept, less the angle brackets
MAX_LOCAL_OCTETS = 64
MAX_DOMAIN_CHARS = 253
# RFC 5322 atext besides letters and digits; a dot only between atoms.
_ATEXT_SYMBOLS = frozenset("!#$%&'*+-/=?^_`{|}~")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.ASCII | re.IGNORECASE)


def is_mail_address(text: str) -> bool:
    """True when ``text`` is one plain address, ``local@domain``, that mail can be sent to.

    Plain means what :func:`email.utils.parseaddr` reads back unchanged: no display name,
    no list, no comment, and (checked here) no quoted local part, space or line break, which
    could smuggle in another recipient or header. The local part is a dot-atom (RFC 5322),
    letters of any script allowed (RFC 6531); the domain is a host name of two labels or more,
    written in any script (IDNA), with a top-level label that is not a number, so neither
    ``localhost`` nor an IP address passes.
    """
    if not text or len(text) > MAX_LENGTH or parseaddr(text) != ("", text):
        return False
    local, at, domain = text.rpartition("@")
    return bool(at) and _local_part(local) and _domain(domain)


def _local_part(local: str) -> bool:
    if not local or len(local.encode("utf-8")) > MAX_LOCAL_OCTETS:
        return False
    return all(atom and all(_atext(char) for char in atom) for atom in local.split("."))


def _atext(char: str) -> bool:
    if char.isascii():
        return char.isalnum() or char in _ATEXT_SYMBOLS
    return unicodedata.category(char)[0] in "LMN"  # a letter, mark or digit of another script


def _domain(domain: str) -> bool:
    labels = [_ascii_label(label) for label in domain.split(".")]
    if len(labels) < 2 or None in labels:
        return False
    wire = [label for label in labels if label is not None]
    return (len(".".join(wire)) <= MAX_DOMAIN_CHARS and not wire[-1].isdigit()
            and all(_LABEL.fullmatch(label) for label in wire))


def _ascii_label(label: str) -> str | None:
    """``label`` as sent over the wire (IDNA for another script), or ``None`` when it cannot be.

    A label that IDNA would rewrite into another one (full-width letters, a full stop of
    another script) is refused: the address stored must be the address mail goes to.
    """
    if label.isascii():
        return label
    try:
        wire = label.encode("idna").decode("ascii")
        same = wire.encode("ascii").decode("idna") == label.lower()
    except UnicodeError:
        return None
    return wire if same else None
