"""`station web` as a process: its one-line errors, what it shows without the PIN, that
reading changes nothing, and its logins."""

from __future__ import annotations

import csv
import io
import json
import socket
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest

from station.sim.logbook import FakeRep, fill_log
from station.store import SessionLog
from station.web.logins import MAX_WAIT_S, Logins
from station.web.pin import check_pin_text, hash_pin, verify_pin, write_pin_hash
from tests.web.conftest import PIN, REPO, free_port, start_server, stop, web_snapshot, write_config


def fetch(url: str, data: dict | None = None, cookie: str = "") -> tuple[int, str, dict]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"Cookie": cookie} if cookie else {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def web(config, *args, timeout=20):
    return subprocess.run([sys.executable, "-m", "station.cli", "web", "--config", str(config),
                           *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)


def test_no_pin_means_the_page_is_off(tmp_path):
    config = write_config(tmp_path, free_port())
    (tmp_path / "web-pin").unlink()
    r = web(config)
    assert r.returncode == 2
    assert r.stderr == (f"station: error: {tmp_path / 'web-pin'}: no PIN set, so the coach "
                        "page is off (set one: station web --set-pin, or install.sh "
                        "--web-pin)\n")


def test_set_pin_from_standard_input(tmp_path):
    config = write_config(tmp_path, free_port())
    r = subprocess.run([sys.executable, "-m", "station.cli", "web", "--config", str(config),
                        "--set-pin"], input="2468\n", cwd=REPO, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    stored = (tmp_path / "web-pin").read_text()
    assert "2468" not in stored.strip().split("$") and verify_pin("2468", stored)
    assert (tmp_path / "web-pin").stat().st_mode & 0o777 == 0o640
    r = subprocess.run([sys.executable, "-m", "station.cli", "web", "--config", str(config),
                        "--set-pin"], input="12\n", cwd=REPO, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 2 and r.stderr.strip().endswith("at least 4 characters")


def test_a_port_already_taken_is_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write_config(tmp_path, port)
        r = web(config)
    assert r.returncode == 2
    assert r.stderr.strip() == (f"station: error: port {port} on 127.0.0.1 is taken (another "
                                "`station web`?): choose another with --port or [web] port")


def test_an_unreadable_log_is_one_line(tmp_path):
    config = write_config(tmp_path, free_port())
    (tmp_path / "sessions.sqlite3").write_bytes(b"garbage" * 1000)
    r = web(config)
    assert r.returncode == 2
    assert r.stderr.strip() == (f"station: error: {tmp_path / 'sessions.sqlite3'}: cannot "
                                "read the session log (file is not a database)")


def test_a_locked_log_is_a_503_line_and_the_server_goes_on(tmp_path):
    port = free_port()
    config = write_config(tmp_path, port)
    fill_log(tmp_path / "sessions.sqlite3", 20)
    proc = start_server(config)
    try:
        url = f"http://127.0.0.1:{port}"
        assert fetch(url + "/")[0] == 200
        locker = sqlite3.connect(tmp_path / "sessions.sqlite3", isolation_level=None)
        locker.execute("PRAGMA journal_mode=DELETE")  # out of WAL: a writer now bars readers
        locker.execute("BEGIN EXCLUSIVE")
        status, body, _ = fetch(url + "/")
        assert status == 503 and "database is locked" in body
        locker.execute("ROLLBACK")
        locker.execute("PRAGMA journal_mode=WAL")
        locker.close()
        assert fetch(url + "/")[0] == 200
    finally:
        stop(proc)


def test_reading_every_page_changes_nothing_in_the_log(tmp_path):
    port = free_port()
    config = write_config(tmp_path, port)
    log = tmp_path / "sessions.sqlite3"
    fill_log(log, 60)

    def dump():
        con = sqlite3.connect(log)
        out = [con.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
               for t in ("sets", "reps", "athletes", "audit", "requests", "meta")]
        con.close()
        return out

    before = dump()
    proc = start_server(config)
    try:
        url = f"http://127.0.0.1:{port}"
        uid = before[0][0][1]
        for path in ("/", "/api/now", "/athletes", "/athletes/1", "/rotation", "/sets",
                     f"/sets/{uid}", "/settings", "/export/sets.csv", "/export/today.json",
                     "/export/athlete-1.csv", "/export/rotation.json", "/static/now.js"):
            assert fetch(url + path)[0] == 200, path
        for path in ("/athletes/999", "/sets/abcdef", "/export/nothing.csv"):
            assert fetch(url + path)[0] == 404, path
        # Settings without a login are refused and write nothing.
        assert fetch(url + "/settings/buzzer", {"muted": "1"})[0] == 403
        assert fetch(url + "/export/audit.csv")[0] == 403
    finally:
        stop(proc)
    assert dump() == before


def test_names_only_behind_the_pin_when_the_installer_chooses_so(tmp_path):
    port = free_port()
    config = write_config(tmp_path, port, "names_need_pin = true\n")
    fill_log(tmp_path / "sessions.sqlite3", 30, athletes=3, days=1)
    proc = start_server(config)
    try:
        url = f"http://127.0.0.1:{port}"
        for path in ("/athletes", "/athletes/1", "/rotation", "/sets", "/export/sets.csv"):
            body = fetch(url + path)[1]
            assert "Sam" not in body and "Alex" not in body, path
        assert "#1" in fetch(url + "/athletes")[1]
        # Filtering by name would tie names to numbers: it needs the PIN too.
        status, body, _ = fetch(url + "/export/sets.csv?athlete=Sam")
        assert status == 403 and "Sam" in body and "give the athlete&#039;s number" in body
        assert fetch(url + "/export/sets.csv?athlete=1")[0] == 200
        status, _, headers = fetch(url + "/login", {"pin": PIN})
        assert status == 303
        cookie = headers["Set-Cookie"].split(";")[0]
        assert "HttpOnly" in headers["Set-Cookie"] and "samesite=strict" in \
            headers["Set-Cookie"].lower()
        assert "Sam" in fetch(url + "/athletes", cookie=cookie)[1]
        today = json.loads(fetch(url + "/api/now", cookie=cookie)[1])["today"]
        assert {r["athlete"] for r in today} <= {"Sam", "Alex Kim", "Priya Shah", "guest"}
        assert fetch(url + "/export/sets.csv?athlete=Sam", cookie=cookie)[0] == 200
    finally:
        stop(proc)


def test_the_page_process_stays_small(tmp_path):
    """The page runs without numpy, pygame or the coach: its memory is its own (the
    benchmark measures it under load: bench/bench_web.py)."""
    r = subprocess.run([sys.executable, "-c", (
        "import sys; from station.cli import build_parser; build_parser('web');"
        "import station.web.server;"
        "print(sorted(m for m in ('numpy', 'pygame', 'cv2', 'mediapipe') if m in "
        "sys.modules))")], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "[]", r.stderr


def test_logins_expire_and_wrong_pins_wait_longer_each_time():
    logins = Logins(minutes=30)
    assert logins.wait_s("a", 0.0) == 0.0
    assert [logins.failed("a", 0.0) for _ in range(4)] == [1.0, 2.0, 4.0, 8.0]
    assert logins.wait_s("a", 3.0) == 5.0 and logins.wait_s("b", 3.0) == 0.0
    for _ in range(20):
        logins.failed("a", 0.0)
    assert logins.wait_s("a", 0.0) == MAX_WAIT_S
    token = logins.open("a", 1000.0)
    assert logins.wait_s("a", 1000.0) == 0.0  # a right PIN forgets the wrong ones
    assert logins.valid(token, 1000.0 + 29 * 60)
    assert not logins.valid(token, 1000.0 + 30 * 60)
    assert not logins.valid(token, 1000.0)  # an expired session is gone for good
    assert not logins.valid("forged", 0.0) and not logins.valid(None, 0.0)


def test_pins_are_stored_hashed_and_salted(tmp_path):
    a, b = hash_pin("1234"), hash_pin("1234")
    assert a != b and "1234" not in a.split("$")  # salted; no field is the PIN itself
    assert verify_pin("1234", a) and verify_pin(" 1234\n", a)
    assert not verify_pin("1235", a) and not verify_pin("1234", "garbage")
    with pytest.raises(Exception, match="at least 4"):
        check_pin_text("12")
    write_pin_hash(tmp_path / "pin", "98765")
    assert verify_pin("98765", (tmp_path / "pin").read_text())


def test_the_rotation_marks_class_modes_athlete_going_round_the_roster(tmp_path):
    from datetime import UTC, datetime

    from station.store import SessionLog

    port = free_port()
    config = write_config(tmp_path, port)
    fill_log(tmp_path / "sessions.sqlite3", 10, athletes=5)
    log = SessionLog(tmp_path / "sessions.sqlite3")
    log.set_live(datetime.now(UTC).isoformat(), {"screen": "coaching", "class_mode_s": 120,
                                                "class_athlete": 7})
    log.close()
    proc = start_server(config)
    try:
        body = fetch(f"http://127.0.0.1:{port}/rotation")[1]
    finally:
        stop(proc)
    current = [line for line in body.splitlines() if 'class="current"' in line]
    assert len(current) == 1 and "#2" in current[0] and "now" in current[0]  # 7th of 5: 2nd
    assert "on: 2 min each" in body


def test_a_set_a_stop_left_open_says_what_interrupted_means(tmp_path):
    port = free_port()
    config = write_config(tmp_path, port)
    log = SessionLog(tmp_path / "sessions.sqlite3")
    log.begin_set("e5" * 16, "2026-12-05T09:00:00+00:00", None, None)
    log.add_rep("e5" * 16, FakeRep(1, 1, 3.0, True, (), "cue good", {}))
    log.close_open_sets()
    log.close()
    proc = start_server(config)
    try:
        status, body, _ = fetch(f"http://127.0.0.1:{port}/sets/{'e5' * 8}")
    finally:
        stop(proc)
    assert status == 200
    assert ("Ended: interrupted (the station stopped before closing it: a power cut, a crash "
            "or a kill).") in body


def test_a_busy_page_process_says_what_each_thread_does(server):
    """SIGUSR1 makes `station web` write every thread's stack to its stderr (the journal on
    the station): the main thread waits in waitress's loop, its workers for requests."""
    snap = web_snapshot()
    part = snap.split(f"== station web {server.proc.pid}\n", 1)[1]
    assert "wchan=" in part
    assert "(most recent call first)" in part and "wasyncore.py" in part
    assert server.proc.poll() is None  # and it goes on serving
    assert fetch(server.url + "/api/now")[0] == 200


def test_the_sets_export_filters_by_an_athletes_number_name_or_nickname(server):
    """`?athlete=` takes what `station log --athlete` takes; a key that matches nobody is a
    400 naming it, never the whole gym's sets."""
    db = sqlite3.connect(server.log)
    sams = [u for (u,) in db.execute("SELECT s.uid FROM sets s JOIN athletes a ON"
                                     " a.id = s.athlete_id WHERE a.name = 'Sam Jones'"
                                     " ORDER BY s.id DESC")]
    assert 0 < len(sams) < 240
    for key in ("Sam", "sam%20jones", "1"):
        status, text, _ = fetch(f"{server.url}/export/sets.csv?athlete={key}")
        assert status == 200, key
        assert [r["uid"] for r in csv.DictReader(io.StringIO(text))] == sams, key
    status, text, _ = fetch(f"{server.url}/export/sets.json?athlete=Sam")
    assert [r["uid"] for r in json.loads(text)] == sams
    for path in ("/export/sets.csv?athlete=zz", "/export/sets.json?athlete=zz",
                 "/sets?athlete=zz"):
        status, body, _ = fetch(server.url + path)
        assert status == 400, path
        assert ("athlete &#039;zz&#039;: nobody on the roster by that number, card or name"
                in body), path
    status, body, _ = fetch(server.url + "/export/sets.csv?athlete=99")
    assert status == 400 and "athlete &#039;99&#039;: nobody on the roster" in body
    rows = fetch(server.url + "/sets?athlete=Sam")[1].count('<tr><td><a href="/sets/')
    assert rows == min(len(sams), 100)
