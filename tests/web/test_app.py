"""The coach page's app called in this process, through WSGI (no server, no socket): a clock
of the test's own for logins and wrong PINs, a setting's answer read from its redirect."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.util import setup_testing_defaults

import pytest

from station.sim.logbook import fill_log
from station.web.app import Site, make_app
from station.web.pin import hash_pin
from tests.web.conftest import PIN


class Page:
    """The app over one log, asked as a phone at one address asks it; `now` is its clock."""

    def __init__(self, log: Path) -> None:
        self.now = 1000.0
        self.cookie = ""
        self.app = make_app(Site(log, hash_pin(PIN, iterations=1000)), clock=lambda: self.now)

    def call(self, method: str, path: str, form: dict | None = None
             ) -> tuple[int, dict[str, str], str]:
        """One request: the status, the headers and the body."""
        body = urlencode(form or {}).encode()
        path, _, query = path.partition("?")
        environ: dict = {}
        setup_testing_defaults(environ)
        environ.update({"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
                        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
                        "HTTP_COOKIE": self.cookie,
                        "CONTENT_TYPE": "application/x-www-form-urlencoded",
                        "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)})
        got: dict = {}

        def start_response(status: str, headers: list, exc_info=None) -> None:
            got["status"], got["headers"] = int(status.split()[0]), dict(headers)

        text = b"".join(self.app(environ, start_response)).decode()
        return got["status"], got["headers"], text

    def login(self) -> None:
        status, headers, _ = self.call("POST", "/login", {"pin": PIN})
        assert status == 303, status
        self.cookie = headers["Set-Cookie"].split(";")[0]

    def said(self, path: str, form: dict | None = None) -> str:
        """The line the settings page says after a change posted to `path`."""
        status, headers, _ = self.call("POST", path, form)
        assert status == 303, status
        return parse_qs(urlsplit(headers["Location"]).query)["msg"][0]


@pytest.fixture
def page(tmp_path: Path) -> Page:
    """The app over a log of three athletes: #1 Sam Jones (Sam), #2 Alex Kim, #3 Priya Shah."""
    fill_log(tmp_path / "sessions.sqlite3", 10, athletes=3, days=1)
    return Page(tmp_path / "sessions.sqlite3")


def test_a_rename_to_another_athletes_name_is_refused_as_adding_it_is(page, tmp_path):
    page.login()
    log = tmp_path / "sessions.sqlite3"

    def roster() -> list[str]:
        with sqlite3.connect(log) as db:
            return [n for (n,) in db.execute("SELECT name FROM athletes ORDER BY number")]

    assert page.said("/settings/roster/add", {"name": "sam jones"}) == (
        "Not changed: name 'sam jones' is already on the roster")
    assert page.said("/settings/roster/2/rename", {"name": "Sam Jones"}) == (
        "Not changed: name 'Sam Jones' is already on the roster")
    assert page.said("/settings/roster/2/rename", {"name": " SAM  jones "}) == (
        "Not changed: name 'SAM jones' is already on the roster")
    assert roster() == ["Sam Jones", "Alex Kim", "Priya Shah"]
    # One's own name in another case, and a name nobody has, are renames.
    assert page.said("/settings/roster/1/rename", {"name": "sam jones",
                                                   "nickname": "Sam"}) == "Renamed"
    assert page.said("/settings/roster/2/rename", {"name": "Alex Kimura"}) == "Renamed"
    assert roster() == ["sam jones", "Alex Kimura", "Priya Shah"]
    # An athlete taken off the roster keeps their name: taking it would make two of them
    # when they are added back.
    assert page.said("/settings/roster/3/remove") == "Taken off the roster"
    assert page.said("/settings/roster/2/rename", {"name": "Priya Shah"}) == (
        "Not changed: name 'Priya Shah' is already on the roster (#3, taken off it)")
    assert roster() == ["sam jones", "Alex Kimura", "Priya Shah"]
