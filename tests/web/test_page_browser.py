"""The coach page in a real browser: headless Chromium, driven by Selenium, against a real
`station web` process on loopback. Every page is also photographed at phone and desktop
sizes (out/screenshots/web/)."""

from __future__ import annotations

import csv
import io
import sqlite3
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from station.cards.events import CardShown
from station.config import Config
from station.flow.flow import StationFlow
from station.hardware.buzzer import AlertBuzzer
from station.live.page_state import PagePublisher
from station.logbook.read import open_log
from station.sim.logbook import FakeRep, _Fault
from station.sim.player import SetPlayer
from station.sim.session import simulate_set
from station.store import SessionLog, StoreWriter
from tests.web.conftest import PIN, SIZES, shoot, start_server, stop


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


class SimulatedStation(threading.Thread):
    """The real station's flow on the simulated athlete, writing the real session log and
    the page's state as `station run` does, three times faster than life."""

    def __init__(self, log: Path, athlete: CardShown, reps: int = 5, speed: float = 3.0):
        super().__init__(daemon=True)
        self.store = StoreWriter(log, 1000)
        self.flow = StationFlow(Config(), AlertBuzzer(None), self.store, set_reps=reps)
        self.page = PagePublisher(self.store)
        self.player = SetPlayer(simulate_set(11, reps), empty_before_s=0.5, empty_after_s=3.0)
        self.athlete, self.speed = athlete, speed
        self.shown_at: dict[int, float] = {}  # rep count -> when it went to the log

    def run(self) -> None:
        now = 0.0
        self.flow.feed(self.athlete, now)  # the card, held up before the set
        while not self.player.done:
            now += 1 / 30
            for item in self.player.due(now):
                self.flow.submit(item)
            self.flow.drain(now)
            count = self.flow.view.live.rep_count
            if self.page.publish(self.flow) and count not in self.shown_at:
                self.store.flush()  # written: the page may show it from now on
                self.shown_at[count] = time.monotonic()
            time.sleep(1 / 30 / self.speed)
        self.store.close()


def texts(wait: WebDriverWait, css: str) -> list[str]:
    """The texts of what `css` finds, read in one go: read again when the page's poll redraws
    the list meanwhile (an element read mid-redraw is stale)."""
    return wait.until(lambda d: [e.text for e in d.find_elements(By.CSS_SELECTOR, css)] or None)


def test_a_simulated_sets_reps_appear_while_it_runs(server, browser):
    browser.get(server.url + "/")
    db = open_log(server.log)
    athlete_id, name = db.execute("SELECT id, nickname FROM athletes WHERE number = 1"
                                  ).fetchone()
    station = SimulatedStation(server.log, CardShown(athlete_id, name, 0.0))
    station.start()
    # The page redraws its lists as it polls: an element read mid-redraw is read again.
    wait = WebDriverWait(browser, 10, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException,))
    wait.until(lambda d: d.find_element(By.ID, "athlete").text == name,
               "the card's athlete never showed")
    seen: dict[int, float] = {}
    deadline = time.monotonic() + 60
    while station.is_alive() and time.monotonic() < deadline:
        try:
            text = browser.find_element(By.ID, "reps").text
        except StaleElementReferenceException:
            continue
        if text.isdigit() and int(text) not in seen:
            seen[int(text)] = time.monotonic()
        time.sleep(0.05)
    station.join(timeout=5)
    reps = station.flow.view.summary.reps
    assert reps == 5 and set(range(1, reps + 1)) <= set(seen), (reps, seen, station.shown_at)
    lags = [seen[n] - station.shown_at[n] for n in range(1, reps + 1)]
    assert max(lags) < 1.5, lags  # polled every 0.5 s here: each rep within a poll or so
    # The verdicts listed are the set's reps in the log, in order.
    uid = db.execute("SELECT uid FROM sets ORDER BY id DESC LIMIT 1").fetchone()[0]
    want = [f"Rep {i}: PASS" if ok else f"Rep {i}: FAIL {f.replace(',', ', ').replace('_', ' ')}"
            for i, ok, f in db.execute("SELECT r.idx, r.passed, r.faults FROM reps r JOIN sets"
                                       " s ON s.id = r.set_id WHERE s.uid = ? ORDER BY r.idx",
                                       (uid,))]
    wait.until(lambda d: [li.text for li in d.find_elements(By.CSS_SELECTOR, "#verdicts li")]
               == want)
    assert browser.find_element(By.ID, "screen").text.lower() == "summary"
    badges = texts(wait, "#badges li")
    assert badges[0].startswith("camera")
    shoot(browser, "02-now-summary")


def test_the_now_card_while_a_set_runs(server, browser):
    """A set under way as the kiosk says it (hand-written state): the count, the verdicts
    and a badge that is down."""
    browser.get(server.url + "/")
    log = SessionLog(server.log)
    uid = "feedc0de" * 4
    log.begin_set(uid, datetime.now(UTC).isoformat(timespec="seconds"), None, 1)
    for i, passed in ((1, True), (2, False), (3, True)):
        log.add_rep(uid, FakeRep(i, i * 3.0, i * 3.0 + 2, passed,
                                 () if passed else (_Fault("knee_bend"),), "cue",
                                 {"hip_travel": 0.2}))
    log.set_live(datetime.now(UTC).isoformat(), live_state(uid, "coaching", 3, 2,
                                                           {"id": 1, "name": "Sam"}))
    wait = WebDriverWait(browser, 5, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException,))
    wait.until(lambda d: d.find_element(By.ID, "reps").text == "3")
    assert texts(wait, "#verdicts li") == ["Rep 1: PASS", "Rep 2: FAIL knee bend", "Rep 3: PASS"]
    assert texts(wait, "#badges li") == ["camera", "load cell: stale"]
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
    assert audit == ["login refused", "login", "request", "roster add"]
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


def test_wide_tables_use_a_desktops_width(server, browser):
    """At 1280 px the page has two columns; a card with a wide table spans both, so nothing
    in it is cut off (the Sets table's "Main fault" was, in half the width)."""
    uid = sqlite3.connect(server.log).execute("SELECT uid FROM sets ORDER BY id DESC"
                                              ).fetchone()[0]
    browser.set_window_size(*SIZES["desktop"])
    try:
        for path in ("/", "/sets", f"/sets/{uid}", "/athletes/2"):
            browser.get(server.url + path)
            cut = browser.execute_script(
                "return [...document.querySelectorAll('.card')]"
                ".filter(c => c.scrollWidth > c.clientWidth)"
                ".map(c => c.querySelector('h1, h2').textContent)")
            assert cut == [], path
        browser.get(server.url + "/sets")
        card, main = browser.execute_script(
            "var m = document.querySelector('main'), s = getComputedStyle(m);"
            "return [document.querySelector('table.sets').closest('.card').offsetWidth,"
            " m.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)]")
        assert card == main == 936  # main's 960 px less its padding: the page's width
        fault = browser.find_elements(By.CSS_SELECTOR, "table.sets th")[-1]
        assert fault.text == "Main fault" and fault.is_displayed()
    finally:
        browser.set_window_size(*SIZES["phone"])


def test_no_two_days_under_an_athletes_chart_overlap(server, browser):
    """Every athlete's chart as Chromium draws it: the days under it (the labels centred
    on their session) do not touch, and the newest session's day is one of them."""
    db = open_log(server.log)
    for athlete_id, last in db.execute(
            "SELECT athlete_id, max(date(started_at, 'localtime')) FROM sets"
            " WHERE athlete_id IS NOT NULL GROUP BY athlete_id").fetchall():
        browser.get(f"{server.url}/athletes/{athlete_id}")
        boxes = browser.execute_script(
            "return [...document.querySelectorAll('#chart text[text-anchor=middle]')]"
            ".map(t => { var b = t.getBBox(); return [b.x, b.x + b.width, t.textContent]; })")
        assert len(boxes) >= 2 and boxes[-1][2] == last[5:], (athlete_id, boxes)
        for (_, right, a), (left, _, b) in zip(boxes, boxes[1:], strict=False):
            assert right + 4 <= left, (athlete_id, a, b, boxes)


def badge_looks(browser) -> list[tuple[str, str, str]]:
    """Each health badge on Now: its text, class and colour as drawn."""
    return [tuple(b) for b in browser.execute_script(
        "return [...document.querySelectorAll('#badges li')]"
        ".map(li => [li.textContent, li.className, getComputedStyle(li).color])")]


def test_a_stopped_stations_figures_are_its_last_word_greyed(server, browser):
    """The kiosk killed mid-set: its last state stays in the log, older each second. Past
    15 s the page says "not running", marks the figures as last seen then, and shows no
    health green; when the kiosk speaks again the page is live again."""
    green = "rgb(26, 127, 55)"
    log = SessionLog(server.log)
    uid = "deadbeef" * 4
    log.begin_set(uid, datetime.now(UTC).isoformat(timespec="seconds"), None, 1)
    for i, passed in ((1, True), (2, False)):
        log.add_rep(uid, FakeRep(i, i * 3.0, i * 3.0 + 2, passed,
                                 () if passed else (_Fault("shallow"),), "cue", {}))
    state = live_state(uid, "coaching", 2, 1, {"id": 1, "name": "Sam"})
    log.set_live(datetime.now(UTC).isoformat(), state)
    browser.get(server.url + "/")
    wait = WebDriverWait(browser, 5, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException,))
    assert badge_looks(browser) == [("camera", "ok", green),
                                    ("load cell: stale", "down", "rgb(198, 40, 40)")]
    assert not browser.find_element(By.ID, "seen").is_displayed()
    said = datetime.now(UTC) - timedelta(seconds=40)
    log.set_live(said.isoformat(), state)  # its last word, 40 s ago: it is gone
    seen = (f"As last seen at {said.astimezone().strftime('%H:%M:%S')}: the station has not"
            " said a word since")
    for how in ("polled", "loaded"):
        wait.until(lambda d: d.find_element(By.ID, "seen").text == seen, how)
        assert browser.find_element(By.ID, "screen").text.lower() == "not running", how
        assert "last-seen" in browser.find_element(By.ID, "now").get_attribute("class")
        muted = "rgb(91, 101, 112)"
        assert badge_looks(browser) == [("camera", "seen", muted),
                                        ("load cell: stale", "seen", muted)], how
        for figure in ("athlete", "reps", "passed"):
            e = browser.find_element(By.ID, figure)
            assert (e.text, browser.execute_script("return getComputedStyle(arguments[0])"
                                                   ".color", e)) == (
                {"athlete": "Sam", "reps": "2", "passed": "1"}[figure], muted), (how, figure)
        assert texts(wait, "#verdicts li") == ["Rep 1: PASS", "Rep 2: FAIL shallow"]
        if how == "polled":
            shoot(browser, "02-now-stopped")
            browser.get(server.url + "/")
    log.set_live(datetime.now(UTC).isoformat(), state)  # the kiosk is back
    wait.until(lambda d: not d.find_element(By.ID, "seen").is_displayed())
    wait.until(lambda d: [b[1] for b in badge_looks(d)] == ["ok", "down"])
    assert "last-seen" not in browser.find_element(By.ID, "now").get_attribute("class")
    log.close()


def test_the_now_page_says_since_when_it_lost_its_server(server, browser):
    """The page server killed under an open Now page: a line says contact is lost since the
    last answer, while the figures stay greyed; the server back, the line goes."""
    browser.get(server.url + "/")
    wait = WebDriverWait(browser, 10, poll_frequency=0.05)
    lost = browser.find_element(By.ID, "now-lost")
    time.sleep(1.2)  # a few answers heard
    assert not lost.is_displayed()
    stop(server.proc)
    gone = datetime.now()
    wait.until(lambda d: lost.is_displayed())
    text = lost.text
    prefix = "Lost contact with the station's page server since "
    assert text.startswith(prefix) and text.endswith(": what is below is from then"), text
    since = datetime.combine(gone.date(), dtime.fromisoformat(text[len(prefix):][:8]))
    # the last answer: within a poll (0.5 s) of the kill, and the line says whole seconds
    assert 0.0 <= (gone - since).total_seconds() <= 2.5, (text, gone)
    assert "stale" in browser.find_element(By.ID, "now").get_attribute("class")
    shoot(browser, "02-now-no-server")
    proc = start_server(server.config)
    try:
        wait.until(lambda d: not lost.is_displayed())
        assert "stale" not in browser.find_element(By.ID, "now").get_attribute("class")
    finally:
        stop(proc)


def test_the_settings_page_says_when_a_request_expired_without_a_reload(server, browser):
    """Calibrate asked of a station that is not running: the open Settings page says it
    waits, and once the minute is up it says it expired, by itself."""
    browser.get(server.url + "/settings")
    browser.find_element(By.ID, "pin").send_keys(PIN)
    click_and_load(browser, "login")
    click_and_load(browser, "calibrate")
    page = browser.find_element(By.TAG_NAME, "html")
    wait = WebDriverWait(browser, 10, poll_frequency=0.1,
                         ignored_exceptions=(StaleElementReferenceException,))
    assert texts(wait, "#requests li")[0].endswith("calibrate: waiting for the station")
    with sqlite3.connect(server.log) as db:  # asked 61 s ago: the kiosk would drop it
        at = datetime.fromisoformat(db.execute("SELECT at FROM requests").fetchone()[0])
        db.execute("UPDATE requests SET at = ?", ((at - timedelta(seconds=61)).isoformat(),))
    hhmm = (at - timedelta(seconds=61)).astimezone().strftime("%H:%M")
    wait.until(lambda d: texts(wait, "#requests li") == [
        f"{hhmm} calibrate: expired: the station was not running"])
    assert not _gone(page)  # the same page, redrawn by its script
    shoot(browser, "09-settings-expired")
