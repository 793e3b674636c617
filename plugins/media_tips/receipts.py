"""Receipt codes: what a tipster keeps to follow their tip without an account.

A code carries 100 random bits; only its SHA-256 digest is stored, so a copy of
the database does not let anyone read another person's tip. A wrong code and an
unknown code give the same answer.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugins.media_tips.models import Tip

# Crockford's base-32 alphabet: no I, L, O or U to misread when copied by hand.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS, GROUP_SIZE = 5, 4
_MISREAD = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})
_NOT_CODE = re.compile(r"[^0-9A-Z]")
# A tip's number as the receipt shows it (T20260301-5F3A9C): public, so it opens nothing by itself.
_TIP_NUMBER = re.compile(r"\s*T\s*\d{8}\s*-?\s*[0-9A-F]{6}\s*", re.IGNORECASE)


def new_code() -> str:
    """A fresh receipt code such as ``7K2M-Q9XD-…`` (5 groups of 4)."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_SIZE))
    return "-".join(chars[i:i + GROUP_SIZE] for i in range(0, len(chars), GROUP_SIZE))


def canonical(code: str) -> str:
    """The code as stored: capitals, without separators, common misreadings fixed."""
    return _NOT_CODE.sub("", (code or "").upper().translate(_MISREAD))[: GROUPS * GROUP_SIZE * 2]


def is_tip_number(text: str) -> bool:
    """Whether ``text`` is a tip's number (T…) rather than a receipt code."""
    return bool(_TIP_NUMBER.fullmatch(text or ""))


def digest(code: str) -> str:
    """The stored form of ``code``."""
    return hashlib.sha256(("duban-tip-receipt:" + canonical(code)).encode("ascii")).hexdigest()


def find_tip(session: Session, code: str) -> Tip | None:
    """The tip whose receipt is ``code``, or None (for a wrong code just as for an unknown one)."""
    wanted = digest(code)
    # Look up by the digest (an index lookup that reveals nothing about how close a
    # guess came), then compare in constant time.
    tip = session.scalar(select(Tip).where(Tip.receipt_hash == wanted))
    if tip is None or tip.receipt_hash is None or not hmac.compare_digest(tip.receipt_hash, wanted):
        return None
    return tip
