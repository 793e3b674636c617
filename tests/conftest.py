"""Fixtures: an app per test on a database rolled back after each test.

The database is SQLite unless ``DUBAN_TEST_DATABASE_URL`` names a PostgreSQL
server; there a fresh database is created for the run and dropped afterwards,
so several runs can share one server.
"""
from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message as EmailMessage
from email.policy import default
from typing import Any, cast

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Connection

from core.access.accounts import save_account
from core.access.models import Role, User
from core.db import Base, make_engine, scratch_database
from core.org.models import Unit, UnitLevel
from core.org.units import save_unit
from core.plugins import make_plugin_manager
from web.app import create_app

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Argon2 with its cheapest parameters: the suite hashes hundreds of passwords."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    import core.access.passwords as passwords

    real = passwords._hasher
    passwords._hasher = PasswordHasher.from_parameters(CHEAPEST)
    yield
    passwords._hasher = real


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = os.environ.get("DUBAN_TEST_DATABASE_URL")
    if server:
        with scratch_database(server, "duban_test") as url:
            yield url
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Any]:
    make_plugin_manager()  # imports every plugin so their tables are in the metadata
    import core.models  # noqa: F401

    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Any) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    connection = engine.connect()
    transaction = connection.begin()
    try:
        yield connection
    finally:
        transaction.rollback()
        connection.close()


def make_app(database_url: str, tmp_path: Any, **config: Any) -> Flask:
    settings = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
    }
    settings.update(config)
    app = create_app(settings)
    app.test_client_class = CSRFClient
    return app


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra configuration for the ``app`` fixture; override in a module to change it."""
    return {}


@pytest.fixture
def app(database_url: str, connection: Connection, tmp_path: Any, app_config: dict[str, Any]) -> Iterator[Flask]:
    app = make_app(database_url, tmp_path, **app_config)
    app.extensions["duban.db"].bind(connection)
    yield app
    app.extensions["duban.db"].dispose()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Any]:
    """A session on the test's connection, with changes attributed to ``tests``."""
    session = app.extensions["duban.db"].session()
    session.info["actor"] = "tests"
    yield session
    session.close()


class CSRFClient(FlaskClient):
    """A test client whose form posts carry a valid CSRF token unless told not to."""

    def csrf_token(self) -> str:
        page = self.get("/login").get_data(as_text=True)
        match = CSRF_INPUT.search(page)
        assert match, "no CSRF token on the login page"
        return match.group(1)

    def post(self, *args: Any, csrf: bool = True, **kwargs: Any) -> Any:
        data = kwargs.get("data")
        if csrf and (data is None or isinstance(data, dict)) and not kwargs.get("json"):
            data = dict(data or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> CSRFClient:
    return cast(CSRFClient, app.test_client())  # the app's test_client_class


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


class Org:
    """A small province: two cities, each with two counties; a department."""

    def __init__(self, session: Any) -> None:
        self.session = session
        add = self._add
        self.province = add("P", "示范省", UnitLevel.province, "990000", None)
        self.city_a = add("A", "青山市", UnitLevel.city, "990100", self.province)
        self.county_a1 = add("A1", "河东区", UnitLevel.county, "990102", self.city_a)
        self.county_a2 = add("A2", "河西区", UnitLevel.county, "990103", self.city_a)
        self.city_b = add("B", "白水市", UnitLevel.city, "990200", self.province)
        self.county_b1 = add("B1", "城关区", UnitLevel.county, "990202", self.city_b)
        self.department = add("P-EDU", "省教育厅", UnitLevel.department, "990000", self.province)
        session.commit()

    def _add(self, code: str, name: str, level: UnitLevel, region: str, parent: Unit | None) -> Unit:
        return save_unit(self.session, Unit(), code=code, name=name, level=level, region_code=region,
                         parent=parent)

    def user(self, username: str, role: Role, unit: Unit | None = None, head: bool = False) -> User:
        user = save_account(self.session, User(), username=username, role=role,
                            unit_code=unit.code if unit else None, is_unit_head=head, password=PASSWORD)
        self.session.commit()
        return user


@pytest.fixture
def org(db_session: Any) -> Org:
    return Org(db_session)


class Auth:
    def __init__(self, client: CSRFClient) -> None:
        self.client = client

    def login(self, username: str, password: str = PASSWORD) -> Any:
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self) -> Any:
        return self.client.post("/logout")


@pytest.fixture
def auth(client: CSRFClient) -> Auth:
    return Auth(client)


# ---------------------------------------------------------------------------
# A live server and a real Chromium, for browser tests
# ---------------------------------------------------------------------------

CHROMIUM = os.environ.get("DUBAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class LiveServer:
    """A Duban instance served on a free loopback port, with the demo province loaded."""

    def __init__(self, url: str, app: Flask) -> None:
        self.url = url
        self.app = app

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    import threading
    from datetime import date

    from werkzeug.serving import make_server

    from core.demo import seed_demo
    from core.migrate import upgrade
    from core.plugins import migration_dirs

    folder = tmp_path_factory.mktemp("live")
    app = create_app({
        "DATABASE_URL": "sqlite:///" + str(folder / "live.sqlite"),
        "INSTANCE_PATH": str(folder / "instance"),
        "SECRET_KEY": "live-secret",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "PUBLIC_RATE_LIMIT": "1000 per minute",
    })
    database = app.extensions["duban.db"]
    upgrade(database.engine, migration_dirs(app.extensions["duban.plugins"]))
    with database.transaction(actor="demo") as session:
        seed_demo(session, app.extensions["duban.plugins"], date.today())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.port}", app)
    finally:
        server.shutdown()
        database.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page; fails the test on a JS error."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def browser_login(page: Any, live_server: LiveServer, username: str, password: str) -> None:
    """Log in through the real login form."""
    page.goto(live_server("/login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]:not(.link)")
    page.wait_for_url(live_server("/"))


# ---------------------------------------------------------------------------
# A local SMTP server for e-mail
# ---------------------------------------------------------------------------

class Inbox:
    """Messages received by the local SMTP server."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, dict[str, Any]]]:
    """An aiosmtpd server on a free loopback port, and the mail settings that reach it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_SENDER": "duban@example.org",
                      "BASE_URL": "https://duban.example.org"}
    finally:
        controller.stop()
