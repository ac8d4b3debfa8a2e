"""The coach page in a real browser: headless Chromium, driven by Selenium, against a real
`station web` process on loopback. Every page is also photographed at phone and desktop
sizes (out/screenshots/web/)."""

from __future__ import annotations

import csv
import io
import sqlite3
import time
import urllib.request
from datetime import UTC, datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from station.logbook.read import open_log
from station.sim.logbook import FakeRep, _Fault
from station.store import SessionLog
from tests.web.conftest import PIN, shoot


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def click_and_load(browser, element_id: str) -> None:
    """Click a form's button and wait for the page it loads (a click does not wait)."""
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, element_id).click()
    WebDriverWait(browser, 10).until(lambda d: _gone(old))
    WebDriverWait(browser, 10).until(
        lambda d: d.execute_script("return document.readyState") == "complete")


def _gone(element) -> bool:
    """The element's page was replaced (Chromium says so as "stale" or as "node does not
    belong to the document", depending on when it is asked)."""
    from selenium.common.exceptions import WebDriverException

    try:
        element.is_enabled()
        return False
    except WebDriverException:
        return True


def live_state(uid: str | None, screen: str, reps: int, passed: int, athlete=None) -> dict:
    return {"screen": screen, "athlete": athlete, "set_uid": uid, "reps": reps,
            "passed": passed, "muted": False, "class_mode_s": None,
            "badges": [{"name": "camera", "ok": True, "reason": ""},
                       {"name": "load cell", "ok": False, "reason": "stale"}]}


def test_home_page_loads_with_today_by_athlete(server, browser):
    browser.get(server.url + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "The station now"
    # The kiosk never said anything: the page says it is not running.
    assert browser.find_element(By.ID, "screen").text.lower() == "not running"
    db = sqlite3.connect(server.log)
    since = db.execute("SELECT min(started_at) FROM sets WHERE date(started_at, 'localtime')"
                       " = date('now', 'localtime')").fetchone()[0]
    want = db.execute("SELECT COUNT(DISTINCT coalesce(athlete_id, -1)) FROM sets"
                      " WHERE started_at >= ?", (since,)).fetchone()[0] if since else 0
    rows = browser.find_elements(By.CSS_SELECTOR, "#today tbody tr")
    assert len(rows) == want
    shoot(browser, "01-now")


def test_a_running_sets_reps_appear_within_about_a_second(server, browser):
    browser.get(server.url + "/")
    log = SessionLog(server.log)
    athlete = open_log(server.log).execute(
        "SELECT id, nickname, name FROM athletes WHERE number = 1").fetchone()
    uid = "feedc0de" * 4
    log.begin_set(uid, datetime.now(UTC).isoformat(timespec="seconds"), None, athlete[0])
    log.set_live(datetime.now(UTC).isoformat(), live_state(
        uid, "coaching", 0, 0, {"id": athlete[0], "name": athlete[1] or athlete[2]}))
    wait = WebDriverWait(browser, 5, poll_frequency=0.05)
    wait.until(lambda d: d.find_element(By.ID, "screen").text.lower() == "coaching")
    assert browser.find_element(By.ID, "athlete").text == (athlete[1] or athlete[2])
    lags = []
    for i in range(1, 4):
        passed = i != 2
        log.add_rep(uid, FakeRep(i, i * 3.0, i * 3.0 + 2, passed,
                                 () if passed else (_Fault("knee_bend"),), "cue",
                                 {"hip_travel": 0.2}))
        log.set_live(datetime.now(UTC).isoformat(),
                     live_state(uid, "coaching", i, i - (i >= 2), {"id": athlete[0]}))
        t0 = time.monotonic()
        wait.until(lambda d, i=i: d.find_element(By.ID, "reps").text == str(i))
        lags.append(time.monotonic() - t0)
    items = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#verdicts li")]
    assert items == ["Rep 1: PASS", "Rep 2: FAIL knee bend", "Rep 3: PASS"]
    assert browser.find_element(By.ID, "passed").text == "2"
    badges = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#badges li")]
    assert badges == ["camera", "load cell: stale"]
    assert max(lags) < 1.5, lags  # polled every 0.5 s here: a rep shows within a poll or so
    shoot(browser, "02-now-coaching")
    log.close()


def test_an_athletes_chart_draws_their_sessions(server, browser):
    db = open_log(server.log)
    athlete_id = db.execute("SELECT id FROM athletes WHERE number = 2").fetchone()[0]
    days = db.execute("SELECT COUNT(DISTINCT date(started_at, 'localtime')) FROM sets"
                      " WHERE athlete_id = ?", (athlete_id,)).fetchone()[0]
    assert days > 3
    browser.get(f"{server.url}/athletes/{athlete_id}")
    svg = browser.find_element(By.CSS_SELECTOR, "#chart svg.chart")
    assert svg.size["width"] > 300  # drawn, and as wide as a phone allows
    dots = browser.find_elements(By.CSS_SELECTOR, "#chart circle.dot-pass")
    assert len(dots) == days
    line = browser.find_element(By.CSS_SELECTOR, "#chart polyline.line-depth")
    assert len(line.get_attribute("points").split()) == days
    assert len(browser.find_elements(By.CSS_SELECTOR, "#sessions tbody tr")) == days
    shoot(browser, "04-athlete")
    browser.get(server.url + "/athletes")
    shoot(browser, "03-athletes")


def test_the_csv_export_equals_the_database(server):
    status, text = get(server.url + "/export/sets.csv")
    assert status == 200
    got = list(csv.DictReader(io.StringIO(text)))
    db = sqlite3.connect(server.log)
    want = db.execute("SELECT uid, started_at, reps, passed, coalesce(main_fault, ''),"
                      " coalesce(athlete_id, '') FROM sets ORDER BY id DESC").fetchall()
    assert len(got) == len(want) == 240
    assert [(r["uid"], r["started_at"], int(r["reps"]), int(r["passed"]), r["main_fault"],
             r["athlete_id"]) for r in got] == [(u, s, n, p, f, str(a)) for u, s, n, p, f, a
                                                 in want]
    # The JSON export holds the same sets.
    status, text = get(server.url + "/export/sets.json")
    import json
    assert [r["uid"] for r in json.loads(text)] == [w[0] for w in want]


def test_settings_refuse_a_wrong_pin_and_take_the_right_one(server, browser):
    browser.get(server.url + "/settings")
    shoot(browser, "07-login")
    browser.find_element(By.ID, "pin").send_keys("0000")
    click_and_load(browser, "login")
    assert "Wrong PIN" in browser.find_element(By.ID, "error").text
    # At once again, even with the right PIN: slowed down.
    browser.find_element(By.ID, "pin").send_keys(PIN)
    click_and_load(browser, "login")
    assert "Too many wrong PINs" in browser.find_element(By.ID, "error").text
    shoot(browser, "08-login-refused")
    time.sleep(1.1)  # the first wrong PIN costs a second
    browser.find_element(By.ID, "pin").send_keys(PIN)
    click_and_load(browser, "login")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Station"
    click_and_load(browser, "buzzer")
    assert browser.find_element(By.ID, "message").text == "Buzzer muted"
    browser.find_element(By.ID, "new-name").send_keys("Dana Fox")
    click_and_load(browser, "add")
    assert "Added #13 Dana Fox" in browser.find_element(By.ID, "message").text
    shoot(browser, "09-settings")
    db = sqlite3.connect(server.log)
    assert db.execute("SELECT what, value, taken_at FROM requests").fetchall() == [
        ("mute", "1", None)]
    audit = [r[0] for r in db.execute("SELECT what FROM audit WHERE who LIKE 'coach page%'"
                                      " ORDER BY id")]
    assert audit == ["login refused", "login", "mute", "roster add"]
    assert db.execute("SELECT name FROM athletes WHERE number = 13").fetchone() == (
        "Dana Fox",)
    click_and_load(browser, "logout")
    browser.get(server.url + "/settings")
    assert browser.find_elements(By.ID, "pin")  # logged out: the PIN again


@pytest.mark.parametrize("path,name", [("/rotation", "05-rotation"), ("/sets", "06-sets")])
def test_the_other_pages_render(server, browser, path, name):
    browser.get(server.url + path)
    assert browser.find_element(By.TAG_NAME, "h1").text in ("Class rotation", "Sets")
    shoot(browser, name)
    if path == "/sets":
        rows = browser.find_elements(By.CSS_SELECTOR, "table.sets tbody tr")
        assert len(rows) == 100
        rows[0].find_element(By.TAG_NAME, "a").click()
        assert browser.find_elements(By.CSS_SELECTOR, "#reps tbody tr")
        shoot(browser, "06-set")
        browser.get(server.url + "/sets/ffffffff")
        assert "no such set" in browser.find_element(By.ID, "error").text
        shoot(browser, "10-error")
