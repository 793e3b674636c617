"""Feeds and webhooks reach only public addresses, unless an operator allows a host; one message for every failure.

Everything here runs against a server on 127.0.0.1 or against a stubbed resolver and socket:
nothing leaves the machine.
"""
from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from core import outbound
from core.errors import ValidationError
from core.outbound import UNREACHABLE, Unreachable, check_address, send
from core.webhooks.delivery import http_post

INTERNAL = ["127.0.0.1", "0x7f000001", "2130706433", "127.1", "0177.0.0.1", "017700000001", "[::1]",
            "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::1]",
            "localhost", "LOCALHOST.", "api.localhost", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1",
            "169.254.169.254", "[fe80::1]", "[fc00::1]", "[fec0::1]", "224.0.0.1", "239.255.255.250", "[ff02::1]",
            "0.0.0.0", "0", "[::]", "240.0.0.1", "255.255.255.255", "192.0.2.1"]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        port = self.server.server_address[1]  # type: ignore[index]  # an HTTP server's address is (host, port)
        if self.path.startswith("/to/"):
            self.send_response(302)
            self.send_header("Location", self.path[len("/to/"):].replace("PORT", str(port)))
            self.end_headers()
            return
        body = f"hello {self.headers['Host']}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more
    return int(port)


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names looked up; any lookup of a name not stubbed fails, so no query leaves the machine."""
    asked: list[str] = []
    real = socket.getaddrinfo

    def lookup(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        asked.append(host)
        if host in ("127.0.0.1", "localhost"):
            return list(real(host, port, *args, **kwargs))
        raise socket.gaierror(socket.EAI_NONAME, "not stubbed")

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    return asked


@pytest.mark.parametrize("host", INTERNAL)
def test_internal_addresses_in_every_spelling_are_refused_when_saved_and_when_used(host, no_dns) -> None:
    with pytest.raises(ValidationError) as saved:
        check_address(f"http://{host}:8080/feed.xml")
    assert saved.value.message.msgid == outbound.INTERNAL
    with pytest.raises(Unreachable) as used:
        send("GET", f"http://{host}:8080/feed.xml")
    assert used.value.message.msgid == UNREACHABLE


def test_public_addresses_and_names_may_be_saved() -> None:
    for url in ("https://news.example.cn/rss.xml", "http://93.184.216.34/feed", "https://[2606:4700::1111]/x"):
        assert check_address(f"  {url} ") == url
    with pytest.raises(ValidationError):
        check_address("file:///etc/passwd")
    with pytest.raises(ValidationError):
        check_address("http://news.example.cn:99999/")


def test_the_local_server_is_refused_by_default_and_fetched_when_allow_listed(server) -> None:
    with pytest.raises(Unreachable) as refused:
        send("GET", f"http://{server}/feed.xml")
    assert "not a public address" in refused.value.reason
    reply = send("GET", f"http://{server}/feed.xml", allowed_hosts=["127.0.0.1"])
    assert reply.status == 200 and reply.body == f"hello {server}".encode()
    assert check_address(f"http://{server}/feed.xml", ["127.0.0.1"]) == f"http://{server}/feed.xml"


def test_a_closed_port_and_a_refused_address_give_the_same_message(server, closed_port) -> None:
    with pytest.raises(Unreachable) as refused:
        send("GET", f"http://{server}/")
    with pytest.raises(Unreachable) as closed:
        send("GET", f"http://127.0.0.1:{closed_port}/", allowed_hosts=["127.0.0.1"])
    assert str(refused.value) == str(closed.value) == UNREACHABLE
    assert refused.value.reason != closed.value.reason  # the log tells operators which


@pytest.mark.parametrize("target", ["http://localhost:PORT/ok", "http://[::ffff:127.0.0.1]:PORT/ok",
                                    "http://0x7f000001:PORT/ok", "http://2130706433:PORT/ok"])
def test_a_redirect_to_a_loopback_address_is_refused(server, target) -> None:
    allowed = ["127.0.0.1"]
    assert send("GET", f"http://{server}/to/http://127.0.0.1:PORT/ok", allowed_hosts=allowed,
                redirects=3).body.startswith(b"hello")  # the allowed host itself may be redirected to
    with pytest.raises(Unreachable):
        send("GET", f"http://{server}/to/{target}", allowed_hosts=allowed, redirects=3)


def test_a_name_that_resolves_to_an_internal_address_is_refused(monkeypatch, server) -> None:
    port = int(server.rsplit(":", 1)[1])
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))])
    assert check_address(f"http://news.example:{port}/") == f"http://news.example:{port}/"  # not resolved when saved
    with pytest.raises(Unreachable) as refused:
        send("GET", f"http://news.example:{port}/")
    assert "resolves to 127.0.0.1" in refused.value.reason


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch) -> None:
    """One lookup per request, and the socket connects to its answer: a second answer cannot slip in."""
    lookups: list[str] = []
    answers = iter(["93.184.216.34", "127.0.0.1"])

    def lookup(host: str, port: int, *args: object, **kwargs: object) -> list[tuple[object, ...]]:
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    connected: list[object] = []

    def connect(self: socket.socket, address: object) -> None:
        connected.append(address)
        raise ConnectionRefusedError("stubbed")

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    monkeypatch.setattr(socket.socket, "connect", connect)
    with pytest.raises(Unreachable):
        send("GET", "http://rebind.example/feed.xml")
    assert lookups == ["rebind.example"] and connected == [("93.184.216.34", 80)]


def test_webhooks_are_refused_on_internal_addresses_unless_allowed(server, closed_port) -> None:
    headers = {"Content-Type": "application/json"}
    refused = http_post(f"http://{server}/hook", b"{}", headers)
    assert refused.status is None and refused.error == UNREACHABLE
    closed = http_post(f"http://127.0.0.1:{closed_port}/hook", b"{}", headers, allowed_hosts=["127.0.0.1"])
    assert closed.error == refused.error
    sent = http_post(f"http://{server}/hook", b"{}", headers, allowed_hosts=["127.0.0.1"])
    assert sent.ok and sent.status == 204
