"""Requests to addresses staff typed (news feeds, webhooks) reach only the public internet.

A feed or webhook address is chosen by a user, and the request leaves from the server,
inside the network: left alone, ``http://127.0.0.1:6379/`` or ``http://10.0.0.5/admin`` would
let a supervisor reach what only the server can, and telling "connection refused" from
"malformed feed" would map the internal ports. So every request sent here:

- resolves the host, and refuses it when any of its addresses is loopback, private,
  link-local, multicast, reserved, unspecified or otherwise not global (IPv4 and IPv6,
  with IPv4 addresses carried inside IPv6: ``::ffff:127.0.0.1``, 6to4, NAT64);
- connects to the very address it checked, so a second DNS answer cannot slip in between;
- follows redirects itself, checking each new address the same way;
- fails with one message (:data:`UNREACHABLE`) for every refusal and every failure to
  connect, time out, or speak TLS, so a refused address and a closed port look alike.
  The reason goes to the log, for operators.

Operators allow-list host names (``OUTBOUND_ALLOWED_HOSTS``) that may be internal, such as
an intranet feed; an allow-listed name is matched as written in the address, on any port.

Addresses are also checked as they are saved (:func:`check_address`), without DNS: literal
addresses in any of the forms a resolver accepts (``0x7f000001``, ``2130706433``, ``127.1``,
``[::ffff:127.0.0.1]``) and ``localhost`` names are refused there with a form error; names
are checked when they are used, since their answer may change.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from email.message import Message as HeaderMessage
from typing import Any
from urllib.parse import urljoin, urlsplit

from core.errors import DubanError, ValidationError
from core.i18n import N_

UNREACHABLE = N_("The address could not be reached.")
INTERNAL = N_("This address points to this server or an internal network, which Duban does not connect to. "
              "An administrator can allow the host.")
BAD_SCHEME = N_("The address must start with http:// or https://.")
REDIRECTS = {301, 302, 303, 307, 308}
NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Unreachable(DubanError):
    """The request was refused or did not get through; ``reason`` says which, for the log only."""

    def __init__(self, reason: str) -> None:
        super().__init__(UNREACHABLE)
        self.reason = reason


class TooLarge(Exception):
    """The answer is larger than the caller takes."""


@dataclass(frozen=True)
class Reply:
    """An HTTP answer read to its end (or the first one a caller chose not to follow)."""

    status: int
    headers: HeaderMessage
    body: bytes
    url: str


def is_public(address: Address) -> bool:
    """True for an address on the public internet; False for any the server alone could reach."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded: ipaddress.IPv4Address | None = address.ipv4_mapped or address.sixtofour
        if address.teredo:
            embedded = address.teredo[1]
        if any(address in network for network in NAT64):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and not is_public(embedded):
            return False
        if address.is_site_local:
            return False
    return address.is_global and not (address.is_private or address.is_loopback or address.is_link_local
                                      or address.is_multicast or address.is_reserved or address.is_unspecified)


def literal_address(host: str) -> Address | None:
    """The address ``host`` spells, in any form a resolver reads as one (``0x7f000001``, ``127.1``), or None."""
    text = host.strip().strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    try:  # inet_aton reads the old forms: one to four parts, each decimal, octal or hexadecimal
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except (OSError, ValueError):
        return None


def _allowed(host: str, allowed_hosts: Collection[str]) -> bool:
    name = host.lower().rstrip(".")
    return any(name == allowed.lower().strip().rstrip(".").strip("[]") for allowed in allowed_hosts)


def _is_localhost(host: str) -> bool:
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost") or name == "localhost.localdomain"


def check_address(url: str, allowed_hosts: Collection[str] = ()) -> str:
    """``url`` stripped, when it may be saved as a feed or webhook address; else :class:`ValidationError`.

    Needs no network: refuses other schemes, literal internal addresses and ``localhost``
    names unless allow-listed. Names that resolve to internal addresses are refused when used.
    """
    url = (url or "").strip()
    parts = urlsplit(url)
    try:
        host, _ = parts.hostname, parts.port
    except ValueError:
        host = None
    if parts.scheme not in ("http", "https") or not host:
        raise ValidationError(BAD_SCHEME)
    if _allowed(host, allowed_hosts):
        return url
    address = literal_address(host)
    if _is_localhost(host) or (address is not None and not is_public(address)):
        raise ValidationError(INTERNAL)
    return url


def _resolve(host: str, port: int, allowed_hosts: Collection[str]) -> list[tuple[Any, ...]]:
    """The addresses to connect to for ``host``, each checked; :class:`Unreachable` when any is internal."""
    allowed = _allowed(host, allowed_hosts)
    if not allowed:
        if _is_localhost(host):
            raise Unreachable(f"{host} is this server")
        address = literal_address(host)
        if address is not None and not is_public(address):
            raise Unreachable(f"{address} is not a public address")
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise Unreachable(f"{host} does not resolve: {error}") from None
    if not found:
        raise Unreachable(f"{host} does not resolve")
    if not allowed:
        for *_, sockaddr in found:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if not is_public(address):
                raise Unreachable(f"{host} resolves to {address}, not a public address")
    return found


def _connector(found: list[tuple[Any, ...]]) -> Any:
    """``socket.create_connection``'s stand-in: connects to the checked addresses only, in order."""

    def connect(_address: Any, timeout: Any = None, source_address: Any = None) -> socket.socket:
        last: OSError | None = None
        for family, kind, proto, _, sockaddr in found:
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(timeout)
                sock.connect(sockaddr)
                return sock
            except OSError as error:
                sock.close()
                last = error
        raise last or OSError("no address to connect to")

    return connect


def _connection(scheme: str, host: str, port: int, found: list[tuple[Any, ...]],
                timeout: float) -> http.client.HTTPConnection:
    connection: http.client.HTTPConnection
    if scheme == "https":
        # Certificates are checked against the host's name, whatever address it was reached at.
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    # http.client opens its socket through this attribute, which typeshed does not declare.
    connection._create_connection = _connector(found)  # type: ignore[attr-defined]  # see above
    return connection


def send(method: str, url: str, *, body: bytes | None = None, headers: Mapping[str, str] | None = None,
         allowed_hosts: Collection[str] = (), timeout: float = 10.0, max_bytes: int = 2 * 1024 * 1024,
         redirects: int = 0) -> Reply:
    """Send one request to ``url``, following up to ``redirects`` redirects of a GET, every hop checked.

    Raises :class:`Unreachable` for a refused address and for any failure to connect or to
    read the answer in ``timeout`` seconds (each read, and the whole answer), and
    :class:`TooLarge` for an answer over ``max_bytes``. An HTTP error status is a
    :class:`Reply` like any other.
    """
    deadline = time.monotonic() + timeout
    for hop in range(redirects + 1):
        reply = _send_once(method, url, body, dict(headers or {}), allowed_hosts, timeout, max_bytes, deadline)
        location = reply.headers.get("Location")
        if method != "GET" or reply.status not in REDIRECTS or not location:
            return reply
        if hop == redirects:
            raise Unreachable(f"more than {redirects} redirects")
        url = urljoin(url, location)
    raise AssertionError("unreachable")  # pragma: no cover


def _send_once(method: str, url: str, body: bytes | None, headers: dict[str, str], allowed_hosts: Collection[str],
               timeout: float, max_bytes: int, deadline: float) -> Reply:
    parts = urlsplit(url)
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise Unreachable(f"bad port in {url!r}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise Unreachable(f"not an http(s) address: {url!r}")
    port = port or (443 if parts.scheme == "https" else 80)
    found = _resolve(host, port, allowed_hosts)
    connection = _connection(parts.scheme, host, port, found, timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise TooLarge(f"the answer is larger than {max_bytes} bytes (it declares {declared})")
        if response.status in REDIRECTS and method == "GET":
            data = b""  # the body of a redirect is not read
        else:
            data = _read_capped(response, max_bytes, deadline)
        return Reply(response.status, response.headers, data, url)
    except (OSError, http.client.HTTPException, ssl.SSLError, ValueError) as error:
        raise Unreachable(f"{url}: {type(error).__name__}: {error}") from None
    finally:
        connection.close()


def _read_capped(response: http.client.HTTPResponse, max_bytes: int, deadline: float) -> bytes:
    # The socket timeout bounds each read; the deadline bounds a server that drips bytes.
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("the answer took too long")
        chunk = response.read(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"the answer is larger than {max_bytes} bytes")
        chunks.append(chunk)

