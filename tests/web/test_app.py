"""The coach page's app called in this process, through WSGI (no server, no socket): a clock
of the test's own for logins and wrong PINs, a setting's answer read from its redirect."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.util import setup_testing_defaults

import pytest

from station.logbook.requests import MAX_AGE_S, RequestInbox
from station.mqtt.fleet import FleetRow
from station.mqtt.watch import FleetSnapshot, Link
from station.sim.logbook import fill_log
from station.store import SessionLog
from station.web.app import Site, make_app, sets_line
from station.web.gym import Gym
from station.web.pin import hash_pin
from tests.mqtt.station_kit import rep
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


def backdate_requests(log: Path, seconds: float) -> None:
    """Make every request to the kiosk `seconds` older, as if asked that long ago."""
    with sqlite3.connect(log) as db:
        for rid, at in db.execute("SELECT id, at FROM requests").fetchall():
            then = datetime.fromisoformat(at) - timedelta(seconds=seconds)
            db.execute("UPDATE requests SET at = ? WHERE id = ?",
                       (then.isoformat(timespec="seconds"), rid))


def test_a_request_the_station_did_not_take_within_a_minute_says_it_expired(page, tmp_path):
    """The kiosk not running: a request waits, and a minute on the page says it expired
    (the kiosk drops it then), on the page and to the page's script, before any kiosk
    comes back to mark it so."""
    log = tmp_path / "sessions.sqlite3"
    assert page.call("GET", "/api/requests")[0] == 403  # the list needs the PIN
    page.login()
    assert page.said("/settings/calibrate").startswith("Calibration asked")
    assert page.said("/settings/class", {"minutes": "2"}) == "Class mode: 2 min each"
    at = datetime.now(UTC) - timedelta(seconds=MAX_AGE_S - 5)
    backdate_requests(log, MAX_AGE_S - 5)
    hhmm = at.astimezone().strftime("%H:%M")
    waiting = [f"{hhmm} class mode 2 min: waiting for the station",
               f"{hhmm} calibrate: waiting for the station"]
    body = page.call("GET", "/settings")[2]
    assert 'id="requests" data-waiting="1"' in body
    assert [f"<li>{line}</li>" in body for line in waiting] == [True, True]
    status, _, text = page.call("GET", "/api/requests")
    assert status == 200 and json.loads(text) == {"requests": waiting, "waiting": True}

    backdate_requests(log, 10)  # a minute and 5 s: the kiosk would drop them now
    hhmm = (at - timedelta(seconds=10)).astimezone().strftime("%H:%M")
    expired = [f"{hhmm} class mode 2 min: expired: the station was not running",
               f"{hhmm} calibrate: expired: the station was not running"]
    body = page.call("GET", "/settings")[2]
    assert 'id="requests" data-waiting="0"' in body and "waiting for the station" not in body
    assert [f"<li>{line}</li>" in body for line in expired] == [True, True]
    assert json.loads(page.call("GET", "/api/requests")[2]) == {"requests": expired,
                                                                "waiting": False}
    # The kiosk started later says the same, and takes neither.
    inbox = RequestInbox(log, lambda r: pytest.fail(f"carried out {r}"))
    try:
        assert inbox.poll() == []
    finally:
        inbox.close()
    assert json.loads(page.call("GET", "/api/requests")[2]) == {"requests": expired,
                                                                "waiting": False}


def test_the_wait_after_a_wrong_pin_is_told_rounded_up(page):
    """A second try 0.7 s after a wrong PIN must wait 0.3 s more: "wait 1 s", never "0"."""
    status, _, body = page.call("POST", "/login", {"pin": "0000"})
    assert status == 403 and "Wrong PIN. Try again in 1 s." in body
    for later in (0.7, 0.999):
        page.now = 1000.0 + later
        status, _, body = page.call("POST", "/login", {"pin": PIN})
        assert status == 429 and "Too many wrong PINs: wait 1 s<" in body, later
    page.now = 1001.0  # the second is up: the right PIN is taken
    assert page.call("POST", "/login", {"pin": PIN})[0] == 303


def test_a_rep_without_a_verdict_reads_no_verdict_on_the_now_page(tmp_path):
    """A rep counted without a verdict is neither PASS nor FAIL on Now (it read "FAIL" with
    no fault), on the first drawing and in what the page polls."""
    log = SessionLog(tmp_path / "sessions.sqlite3")
    log.begin_set("s1", datetime.now(UTC).isoformat())
    log.add_rep("s1", rep(1))
    log.add_rep("s1", dataclasses.replace(rep(2), judged=False))
    log.set_live(datetime.now(UTC).isoformat(), {"screen": "coaching", "set_uid": "s1",
                                                 "reps": 2, "passed": 1})
    log.close()
    page = Page(tmp_path / "sessions.sqlite3")
    body = page.call("GET", "/")[2]
    assert "Rep 1: PASS" in body and "Rep 2: NO VERDICT" in body and "Rep 2: FAIL" not in body
    verdicts = json.loads(page.call("GET", "/api/now")[2])["now"]["verdicts"]
    assert [(v["rep"], v["passed"], v["judged"]) for v in verdicts] == [(1, 1, 1), (2, 0, 0)]


def test_the_settings_page_says_only_what_a_change_came_to(tmp_path):
    """The line under Settings comes in the change's redirect, signed: a link made up to
    put words there ("Calibrated OK - PIN is 0000") shows nothing."""
    fill_log(tmp_path / "sessions.sqlite3", 5, athletes=2, days=1)
    page = Page(tmp_path / "sessions.sqlite3")
    page.login()
    status, headers, _ = page.call("POST", "/settings/roster/add", {"name": "Ola Nordmann"})
    assert status == 303
    said = page.call("GET", urlsplit(headers["Location"]).path + "?"
                     + urlsplit(headers["Location"]).query)[2]
    assert "Added" in said and "Ola Nordmann" in said
    forged = page.call("GET", "/settings?" + urlencode({"msg": "Calibrated OK - PIN is 0000"}))[2]
    assert "PIN is 0000" not in forged
    signed_elsewhere = urlsplit(headers["Location"]).query.replace("Added", "Removed")
    assert "Removed" not in page.call("GET", "/settings?" + signed_elsewhere)[2]


def sets_of(log: Path, number: int) -> list[str]:
    """The uids of the roster athlete `number`'s sets, newest first, as the log holds them."""
    with sqlite3.connect(log) as db:
        return [u for (u,) in db.execute(
            "SELECT s.uid FROM sets s JOIN athletes a ON a.id = s.athlete_id"
            " WHERE a.number = ? ORDER BY s.id DESC", (number,))]


def test_the_sets_page_names_its_filter_and_its_exports_keep_it(page, tmp_path):
    """`/sets?athlete=1` read "The newest 100. Export all of them" and named nobody."""
    sams = sets_of(tmp_path / "sessions.sqlite3", 1)
    assert len(sams) == 2  # the fixture's log: two of its ten sets are Sam's
    status, _, body = page.call("GET", "/sets?athlete=1")
    assert status == 200
    assert "<h1>Sets of #1 Sam</h1>" in body
    assert ('<p id="sets-line" class="small">All 2 sets of #1 Sam. Export: '
            '<a href="/export/sets.csv?athlete=1">CSV</a> · '
            '<a href="/export/sets.json?athlete=1">JSON</a></p>') in body
    assert '<a href="/sets">All sets</a>' in body and "newest 100" not in body
    csv_rows = page.call("GET", "/export/sets.csv?athlete=1")[2].splitlines()[1:]
    assert [r.split(",")[0] for r in csv_rows] == sams  # the link's export: Sam's sets only

    today = datetime.now().strftime("%d %b %Y")
    body = page.call("GET", "/sets?athlete=sam&since=today")[2]
    assert f"<h1>Sets of #1 Sam since {today}</h1>" in body
    assert (f"All 2 sets of #1 Sam since {today}. Export: "
            '<a href="/export/sets.csv?athlete=sam&amp;since=today">CSV</a>') in body
    body = page.call("GET", "/sets?athlete=2&since=2099-01-01")[2]
    assert '<p class="empty">No sets of #2 Alex Kim since 01 Jan 2099.</p>' in body
    assert 'class="sets"' not in body and "sets-line" not in body
    body = page.call("GET", "/sets")[2]
    assert "<h1>Sets</h1>" in body and "All 10 sets. Export: " in body
    assert sets_line(100, 100, "") == "The newest 100 sets. Export all of them"
    assert sets_line(1, 100, "of #4 Ola") == "The one set of #4 Ola. Export"


def test_athletes_taken_off_the_roster_are_listed_with_their_history(page):
    """Taken off the roster, Priya left Athletes and nothing linked to her history."""
    page.login()
    assert page.said("/settings/roster/3/remove") == "Taken off the roster"
    page.cookie = ""  # a coach without the PIN reads it alike
    body = page.call("GET", "/athletes")[2]
    on, _, off = body.partition("<h2>Taken off the roster</h2>")
    assert '<a href="/athletes/3"><span class="num">#3</span> Priya Shah</a>' in off
    assert "Priya" not in on and '<span class="num">#1</span> Sam</a>' in on
    status, _, body = page.call("GET", "/athletes/3")
    assert status == 200 and "Taken off the roster: their card no longer works" in body
    assert '<table class="sets">' in body and 'id="chart"' in body  # their history stays
    assert "Taken off the roster" not in page.call("GET", "/athletes/1")[2]


def test_the_settings_say_what_they_did_in_plain_words(page, tmp_path):
    """The trail read "mute mute the buzzer" and "calibrate calibrate"; moving the first
    athlete up said "Rotation order changed" and logged a move; the class-mode refusal
    listed 0 for off; a long name read "name: name ..."."""
    page.login()
    page.said("/settings/buzzer", {"muted": "1"})
    page.said("/settings/calibrate")
    page.said("/settings/class", {"minutes": "2"})
    body = page.call("GET", "/settings")[2]
    trail = [line.split(" · ")[-1] for line in
             re.findall(r"<li>([^<]*)</li>", body.partition('id="audit"')[2])][:4]
    assert trail == ["request: class mode 2 min", "request: calibrate",
                     "request: mute the buzzer", "login"]

    def order() -> list[int]:
        with sqlite3.connect(tmp_path / "sessions.sqlite3") as db:
            return [n for (n,) in db.execute("SELECT number FROM athletes ORDER BY position")]

    def rotation_lines() -> int:
        with sqlite3.connect(tmp_path / "sessions.sqlite3") as db:
            return db.execute("SELECT count(*) FROM audit WHERE what = 'rotation order'"
                              ).fetchone()[0]

    assert page.said("/settings/roster/1/up") == (
        "Nothing moved: #1 Sam is first in the rotation already")
    assert page.said("/settings/roster/3/down") == (
        "Nothing moved: #3 Priya Shah is last in the rotation already")
    assert order() == [1, 2, 3] and rotation_lines() == 0
    assert page.said("/settings/roster/2/up") == "Rotation order changed"
    assert order() == [2, 1, 3] and rotation_lines() == 1

    assert page.said("/settings/class", {"minutes": "7"}) == (
        "Not changed: class mode '7': choose off, 1, 2, 3 or 5 minutes")
    assert page.said("/settings/roster/add", {"name": "X" * 41}) == (
        f"Not changed: name '{'X' * 20}'... is longer than 40 characters")
    assert page.said("/settings/roster/2/rename", {"name": "Alex", "nickname": "Y" * 41}) == (
        f"Not changed: nickname '{'Y' * 20}'... is longer than 40 characters")


def test_an_athlete_with_no_sets_yet_is_told_so(page):
    """A new athlete's page showed empty tables' headers and a chart's scales over nothing."""
    page.login()
    assert page.said("/settings/roster/add", {"name": "Ola Nordmann"}).startswith("Added #4")
    status, _, body = page.call("GET", "/athletes/4")
    assert status == 200
    assert '<p id="no-sessions" class="empty">No sessions yet: their chart starts with their ' \
           "first set.</p>" in body
    assert '<p class="empty">No sets yet.</p>' in body
    assert "<svg" not in body and "<table" not in body and "0.38" not in body


def test_a_bad_date_and_a_missing_login_say_so_in_the_pages_words(page):
    """`?since=banana` answered "--since 'banana'" (the command line's word); the 403 for a
    missing login did not link to the login."""
    for path in ("/sets?since=banana", "/export/sets.csv?since=banana"):
        status, _, body = page.call("GET", path)
        assert status == 400
        assert ("since &#039;banana&#039;: give a date (YYYY-MM-DD), &#039;today&#039; or a "
                "number of days like 7d") in body
        assert "--since" not in body
    for method, path in (("POST", "/settings/buzzer"), ("GET", "/export/audit.csv")):
        status, _, body = page.call(method, path)
        assert status == 403
        assert '<a id="login-link" href="/settings">Log in with the PIN</a>' in body
    assert "login-link" not in page.call("GET", "/sets?since=banana")[2]  # a 400 has none


def test_the_menu_names_settings_alike_and_the_gym_names_this_station(page, tmp_path):
    """The menu said "Coach" to a phone without the PIN and "Settings" with it; the Gym
    page marked its own station only with a blue outline."""
    menu = '<a href="/sets">Sets</a><a href="/settings">Settings</a>'
    assert menu in page.call("GET", "/athletes")[2]
    page.login()
    assert menu in page.call("GET", "/athletes")[2]

    watcher = SimpleNamespace(
        settings=SimpleNamespace(where="127.0.0.1:1883", topics=SimpleNamespace(prefix="gym")),
        snapshot=lambda: FleetSnapshot(Link.CONNECTED, "", "2026-12-01T10:00:00+00:00",
                                       [FleetRow("bay-1", True), FleetRow("bay-2", True)]))
    page.app = make_app(Site(tmp_path / "sessions.sqlite3", hash_pin(PIN, iterations=1000)),
                        gym=Gym(watcher, "", "bay-1"))
    body = page.call("GET", "/gym")[2]
    assert ('<span class="station-id">bay-1 <span class="this-station">this station</span>'
            '</span>') in body
    assert '<span class="station-id">bay-2</span>' in body
    assert body.count("this-station") == 1
