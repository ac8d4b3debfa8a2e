"""The coach page's routes: the station now, today by athlete, an athlete's history, the
rotation, sets, exports, and the settings behind the PIN.

`make_app(site)` builds a Bottle app over one session log. Every request opens its own
query-only connection (WAL lets it read while the kiosk writes); only the settings, behind
a login, write: the audit trail, the roster, and requests the kiosk takes on its next look.
"""

from __future__ import annotations

import hmac
import json
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from math import ceil
from pathlib import Path
from urllib.parse import urlencode

import bottle

from station.errors import InputError
from station.logbook import read, roster
from station.logbook.export import csv_lines, json_lines
from station.logbook.requests import EXPIRED, MAX_AGE_S
from station.web.chart import history_svg
from station.web.gym import Gym, gym_state
from station.web.logins import Logins
from station.web.pin import verify_pin

HERE = Path(__file__).resolve().parent
VIEWS = str(HERE / "views")
STATIC = HERE / "static"
DOCS = HERE.parents[1] / "docs"  # the station's documentation, beside its code
COOKIE = "station_session"
LIVE_STALE_S = 15.0  # the kiosk says its state at least every 5 s; older: it is not running
CLASS_STEPS_MIN = (0, 1, 2, 3, 5)  # the class-mode rotations the page offers (0: off)
SETS_SHOWN = 100  # the sets page lists the newest this many; its exports hold them all


@dataclass(frozen=True)
class Site:
    """What the app serves: the log, the PIN's hash and how the page behaves."""

    log_path: Path
    pin_hash: str
    session_minutes: float = 30.0
    names_need_pin: bool = False
    poll_s: float = 1.0


def _local(iso: str | None, fmt: str = "%H:%M") -> str:
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime(fmt)
    except ValueError:
        return iso


def last_seen(updated_at: datetime | None, running: bool) -> str:
    """The line over a stopped station's figures saying they are its last word, and when it
    said it ("" while it runs, or when it never said anything)."""
    if running or updated_at is None:
        return ""
    local = updated_at.astimezone()
    fmt = "%H:%M:%S" if local.date() == datetime.now().astimezone().date() else "%d %b %H:%M"
    return f"As last seen at {local.strftime(fmt)}: the station has not said a word since"


def request_line(at: str, what: str, value: str, taken: str | None, result: str | None,
                 now: datetime) -> tuple[str, bool]:
    """A request to the kiosk as the settings page lists it, with whether it still waits:
    the kiosk's answer, else when it took it, else "expired" once it is older than the
    kiosk takes (the kiosk was not running), else waiting."""
    if result or taken:
        answer, waiting = result or f"taken {_local(taken)}", False
    else:
        try:
            age = (now - datetime.fromisoformat(at)).total_seconds()
        except ValueError:
            age = float("inf")
        waiting = age <= MAX_AGE_S
        answer = "waiting for the station" if waiting else EXPIRED
    return f"{_local(at)} {describe_request(what, value)}: {answer}", waiting


def describe_request(what: str, value: str) -> str:
    """A request to the kiosk in a coach's words."""
    if what == "mute":
        return "mute the buzzer" if value == "1" else "buzzer on"
    if what == "class_mode":
        return "class mode off" if value in ("", "0") else f"class mode {int(value) // 60} min"
    return what.replace("_", " ")


def sets_line(count: int, shown: int, words: str) -> str:
    """The line over the sets page's table: how many of which sets it lists (`words`
    names the filter, "" for every set)."""
    which = " ".join(filter(None, ["set" if count == 1 else "sets", words]))
    if count >= shown:
        return f"The newest {shown} {which}. Export all of them"
    return f"{'The one' if count == 1 else f'All {count}'} {which}. Export"


def make_app(site: Site, clock: Callable[[], float] = time.monotonic,
             gym: Gym | None = None) -> bottle.Bottle:
    """The app over `site`; `clock` (monotonic seconds) times logins and wrong PINs; `gym`
    the broker's stations (None: not on a broker)."""
    app = bottle.Bottle()
    gym = gym or Gym()
    logins = Logins(site.session_minutes)
    # The settings page shows the line a change came to, passed in its redirect: signed, so
    # that a link cannot make the page say what the station never said.
    said_key = secrets.token_bytes(16)

    def said_sig(msg: str) -> str:
        return hmac.new(said_key, msg.encode(), "sha256").hexdigest()[:20]

    def address() -> str:
        return bottle.request.remote_addr or "?"

    def who() -> str:
        return f"coach page {address()}"

    def authed() -> bool:
        return logins.valid(bottle.request.get_cookie(COOKIE), clock())

    def names_shown() -> bool:
        return not site.names_need_pin or authed()

    def name_of(person: dict | None, number: int | None = None) -> str:
        if person is None and number is None:
            return "guest"
        if not names_shown():
            return f"#{person['number'] if person else number}"
        return read.display_name(person) if person else f"#{number}"

    def db(write: bool = False) -> sqlite3.Connection:
        try:
            return read.open_log(site.log_path, write=write)
        except InputError as exc:
            raise bottle.HTTPError(503, str(exc)) from None

    def page(name: str, **kw) -> str:
        kw.setdefault("title", name.title())
        return bottle.template(name, template_lookup=[VIEWS], authed=authed(),
                               local=_local, poll_s=site.poll_s, **kw)

    def people(con: sqlite3.Connection) -> dict[int, dict]:
        return {a["id"]: a for a in read.roster(con, active_only=False)}

    # -- the station now and today ------------------------------------------------------

    def now_state(con: sqlite3.Connection) -> dict:
        state = read.live(con)
        age = state.age_s(datetime.now(UTC))
        s = state.state
        running = age is not None and age <= LIVE_STALE_S
        athlete = s.get("athlete") or None
        who_name = "guest"
        if athlete and athlete.get("id") is not None:
            who_name = name_of(people(con).get(athlete["id"]))
        verdicts = read.current_reps(con, s["set_uid"], 5) if s.get("set_uid") else []
        return {
            "running": running,
            "updated": _local(state.updated_at.isoformat() if state.updated_at else None,
                              "%H:%M:%S"),
            "seen": last_seen(state.updated_at, running),
            "screen": s.get("screen", "") if running else "off",
            "athlete": who_name if s.get("screen") in ("setup", "coaching", "summary")
            else "",
            "reps": s.get("reps", 0), "passed": s.get("passed", 0),
            "verdicts": verdicts,
            "badges": s.get("badges", []),
            "muted": bool(s.get("muted", False)),
            "class_mode_s": s.get("class_mode_s"),
            "rotation_left_s": s.get("rotation_left_s"),
        }

    def today_rows(con: sqlite3.Connection) -> list[dict]:
        since = read.utc_start_of(datetime.now().astimezone().date())
        rows = read.by_athlete(con, since)
        known = people(con)
        for r in rows:
            r["athlete"] = name_of(known.get(r["athlete_id"])) if r["athlete_id"] else "guest"
        return rows

    def gym_summary() -> dict:
        g = gym_state(gym, _local)
        return {"broker": g["broker"], "line": g["line"], "docs": g["docs"],
                "stations": len(g["stations"]), "online": g["online"]}

    @app.get("/")
    def home():
        con = db()
        try:
            return page("home", title="Now", now=now_state(con), today=today_rows(con),
                        gym=gym_summary())
        finally:
            con.close()

    @app.get("/api/now")
    def api_now():
        con = db()
        try:
            bottle.response.content_type = "application/json"
            bottle.response.set_header("Cache-Control", "no-store")
            return json.dumps({"now": now_state(con), "today": today_rows(con),
                               "gym": gym_summary()})
        finally:
            con.close()

    # -- the gym: every station on the broker -------------------------------------------

    @app.get("/gym")
    def gym_page():
        return page("gym", title="Gym", gym=gym_state(gym, _local))

    @app.get("/api/gym")
    def api_gym():
        bottle.response.content_type = "application/json"
        bottle.response.set_header("Cache-Control", "no-store")
        return json.dumps(gym_state(gym, _local))

    # -- athletes, rotation, sets -----------------------------------------------------------

    @app.get("/athletes")
    def athletes():
        con = db()
        try:
            everyone = [dict(a, shown=name_of(a)) for a in read.roster(con, False)]
            return page("athletes", title="Athletes",
                        athletes=[a for a in everyone if a["active"]],
                        off_roster=[a for a in everyone if not a["active"]])
        finally:
            con.close()

    @app.get("/athletes/<athlete_id:int>")
    def athlete(athlete_id: int):
        con = db()
        try:
            person = people(con).get(athlete_id)
            if person is None:
                raise bottle.HTTPError(404, f"no athlete {athlete_id} on the roster")
            sessions = read.athlete_history(con, athlete_id)
            sets = list(named(con, read.iter_sets(con, athlete_id=athlete_id, limit=30)))
            return page("athlete", title=name_of(person), person=person,
                        shown=name_of(person), sessions=sessions, sets=sets,
                        chart=history_svg(sessions))
        finally:
            con.close()

    @app.get("/rotation")
    def rotation():
        con = db()
        try:
            s = read.live(con).state
            rows = [dict(a, shown=name_of(a)) for a in read.roster(con)]
            # Class mode counts athletes on past the end of the roster: it goes round again.
            on = s.get("class_athlete")
            current = (on - 1) % len(rows) + 1 if on and rows else None
            return page("rotation", title="Rotation", athletes=rows, current=current,
                        class_mode_s=s.get("class_mode_s"))
        finally:
            con.close()

    def athlete_filter(con: sqlite3.Connection, key: str) -> int | None:
        """The athlete id `?athlete=` asks for (None: every athlete): a roster number,
        card id, name or nickname, as `station log --athlete` takes them. Nobody by that
        key is a 400, never every athlete's sets; a name needs the PIN where names do."""
        key = key.strip()
        if not key:
            return None
        if not key.isdigit() and not names_shown():
            raise bottle.HTTPError(403, f"athlete {key!r}: names need the PIN here; give "
                                   "the athlete's number")
        try:
            return read.find_athlete(con, key, asked="athlete")["id"]
        except InputError as exc:
            raise bottle.HTTPError(400, str(exc)) from None

    def since_filter(text: str) -> str | None:
        """The UTC ISO time `?since=` asks for (None: all time); a bad one is a 400."""
        if not text.strip():
            return None
        try:
            return read.parse_since(text, asked="since")
        except InputError as exc:
            raise bottle.HTTPError(400, str(exc)) from None

    def set_rows(con: sqlite3.Connection, limit: int | None) -> Iterator[dict]:
        q = bottle.request.query
        return named(con, read.iter_sets(con, athlete_id=athlete_filter(con, q.athlete),
                                         since=since_filter(q.since), limit=limit))

    def set_filter(con: sqlite3.Connection) -> tuple[str, str]:
        """The `/sets` filter in words ("" for every set) and the query that keeps it (for
        the export links)."""
        q = bottle.request.query
        athlete_id, since = athlete_filter(con, q.athlete), since_filter(q.since)
        words, keep = [], {}
        if athlete_id is not None:
            person = people(con)[athlete_id]
            words.append(f"of #{person['number']} {name_of(person)}"
                         if names_shown() else f"of {name_of(person)}")
            keep["athlete"] = q.athlete.strip()
        if since is not None:
            words.append(f"since {_local(since, '%d %b %Y')}")
            keep["since"] = q.since.strip()
        return " ".join(words), urlencode(keep)

    def named(con: sqlite3.Connection, rows: Iterable[dict]) -> Iterator[dict]:
        """Sets with their athlete as the page may name them."""
        known = people(con)
        for r in rows:
            r["athlete"] = name_of(known.get(r["athlete_id"])) if r["athlete_id"] else \
                (f"class #{r['class_number']}" if r["class_number"] else "guest")
            yield r

    @app.get("/sets")
    def sets():
        con = db()
        try:
            words, query = set_filter(con)
            rows = list(set_rows(con, SETS_SHOWN))
            return page("sets", title="Sets", sets=rows, filter_words=words, query=query,
                        line=sets_line(len(rows), SETS_SHOWN, words))
        finally:
            con.close()

    @app.get("/sets/<uid:re:[0-9a-f]{4,32}>")
    def one_set(uid: str):
        con = db()
        try:
            try:
                found = read.get_set(con, uid)
            except InputError as exc:
                raise bottle.HTTPError(404, str(exc)) from None
            if found["athlete_id"]:
                found["athlete"] = name_of(people(con).get(found["athlete_id"]))
            return page("set", title="Set", s=found)
        finally:
            con.close()

    # -- exports ------------------------------------------------------------------------

    def tables(con: sqlite3.Connection, name: str) -> tuple[Iterable[dict], tuple[str, ...]]:
        if name == "today":
            return today_rows(con), ("athlete_id", "athlete", "number", "sets", "reps",
                                     "passed", "main_fault")
        if name == "sets":
            return set_rows(con, None), read.SET_COLUMNS
        if name == "rotation":
            rows = [dict(a, athlete=name_of(a)) for a in read.roster(con)]
            return rows, ("position", "number", "athlete")
        if name.startswith("athlete-") and name[8:].isdigit():
            return read.athlete_history(con, int(name[8:])), (
                "day", "sets", "reps", "passed", "pass_rate", "hip_travel")
        if name == "audit":
            if not authed():
                raise bottle.HTTPError(403, "the audit trail needs the PIN")
            return read.audit(con, 10_000), ("at", "who", "what", "detail")
        raise bottle.HTTPError(404, f"no table {name!r}")

    @app.get("/export/<name>.<fmt:re:csv|json>")
    def export(name: str, fmt: str):
        con = db()
        try:
            rows, columns = tables(con, name)
        except BaseException:
            con.close()
            raise
        if fmt == "csv":
            bottle.response.content_type = "text/csv; charset=utf-8"
            bottle.response.set_header("Content-Disposition",
                                       f'attachment; filename="{name}.csv"')
        else:
            bottle.response.content_type = "application/json"
        lines = (csv_lines if fmt == "csv" else json_lines)(rows, columns)

        def stream():  # a row at a time: 10,000 sets never sit in memory at once
            try:
                for chunk in lines:
                    yield chunk.encode()
            finally:
                con.close()

        return stream()

    # -- settings behind the PIN --------------------------------------------------------

    @app.get("/settings")
    def settings():
        con = db()
        try:
            if not authed():
                return page("login", title="Settings", error="",
                            wait_s=logins.wait_s(address(), clock()))
            s = read.live(con).state
            rows = [dict(a, shown=read.display_name(a)) for a in read.roster(con, False)]
            return page("settings", title="Settings", athletes=rows, live=s,
                        audit=read.audit(con, 20), requests=request_lines(con),
                        steps=CLASS_STEPS_MIN, message=said_message())
        finally:
            con.close()

    def said_message() -> str:
        """The line the last change came to, from the redirect, if this app signed it."""
        msg, sig = bottle.request.query.getunicode("msg", ""), bottle.request.query.sig
        return msg if msg and hmac.compare_digest(sig, said_sig(msg)) else ""

    def request_lines(con: sqlite3.Connection) -> list[tuple[str, bool]]:
        """The newest requests to the kiosk as listed, each with whether it still waits."""
        now = datetime.now(UTC)
        return [request_line(*row, now) for row in con.execute(
            "SELECT at, what, value, taken_at, result FROM requests ORDER BY id DESC LIMIT 5")]

    @app.get("/api/requests")
    def api_requests():
        if not authed():
            raise bottle.HTTPError(403, "log in with the PIN first")
        con = db()
        try:
            lines = request_lines(con)
        finally:
            con.close()
        bottle.response.content_type = "application/json"
        bottle.response.set_header("Cache-Control", "no-store")
        return json.dumps({"requests": [line for line, _ in lines],
                           "waiting": any(waiting for _, waiting in lines)})

    @app.post("/login")
    def login():
        now = clock()
        wait = logins.wait_s(address(), now)
        if wait > 0:
            bottle.response.status = 429
            return page("login", title="Settings", error=f"Too many wrong PINs: wait "
                        f"{ceil(wait)} s", wait_s=wait)  # 0.3 s to go is "1 s", not "0 s"
        pin = bottle.request.forms.getunicode("pin") or ""
        con = db(write=True)
        try:
            if verify_pin(pin, site.pin_hash):
                token = logins.open(address(), now)
                with con:
                    con.execute("BEGIN")
                    roster.write_audit(con, who(), "login")
                bottle.response.set_cookie(COOKIE, token, path="/", httponly=True,
                                           samesite="strict",
                                           max_age=int(site.session_minutes * 60))
                bottle.redirect("/settings")
            wait = logins.failed(address(), now)
            with con:
                con.execute("BEGIN")
                roster.write_audit(con, who(), "login refused", "wrong PIN")
        finally:
            con.close()
        bottle.response.status = 403
        return page("login", title="Settings",
                    error=f"Wrong PIN. Try again in {ceil(wait)} s.", wait_s=wait)

    @app.post("/logout")
    def logout():
        logins.close(bottle.request.get_cookie(COOKIE))
        bottle.response.delete_cookie(COOKIE, path="/")
        bottle.redirect("/")

    def change(action) -> None:
        """Run a settings change for a logged-in coach, then back to the settings."""
        if not authed():
            raise bottle.HTTPError(403, "log in with the PIN first")
        con = db(write=True)
        try:
            msg = action(con, bottle.request.forms)
        except InputError as exc:
            msg = f"Not changed: {exc}"
        finally:
            con.close()
        msg = msg or "Done"
        bottle.redirect(f"/settings?msg={bottle.urlquote(msg)}&sig={said_sig(msg)}")

    def ask_kiosk(con: sqlite3.Connection, what: str, value: str, said: str) -> str:
        with con:
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT INTO requests (at, what, value) VALUES (?, ?, ?)",
                        (roster.now_iso(), what, value))
            roster.write_audit(con, who(), "request", describe_request(what, value))
        return said

    @app.post("/settings/buzzer")
    def buzzer():
        def act(con, form):
            muted = form.get("muted") == "1"
            return ask_kiosk(con, "mute", "1" if muted else "0",
                             "Buzzer muted" if muted else "Buzzer on")
        change(act)

    @app.post("/settings/calibrate")
    def calibrate():
        change(lambda con, form: ask_kiosk(con, "calibrate", "", "Calibration asked: "
                                           "nobody on the band, the station tares it"))

    @app.post("/settings/class")
    def class_mode():
        def act(con, form):
            minutes = form.get("minutes", "")
            if not minutes.isdigit() or int(minutes) not in CLASS_STEPS_MIN:
                steps = ["off"] + [str(m) for m in CLASS_STEPS_MIN if m]
                raise InputError(f"class mode {minutes!r}: choose {', '.join(steps[:-1])} "
                                 f"or {steps[-1]} minutes")
            m = int(minutes)
            return ask_kiosk(con, "class_mode", str(m * 60),
                             "Class mode off" if m == 0 else f"Class mode: {m} min each")
        change(act)

    @app.post("/settings/roster/add")
    def roster_add():
        def act(con, form):
            a = roster.add_athlete(con, form.getunicode("name") or "",
                                   form.getunicode("nickname") or "", who())
            return f"Added #{a['number']} {a['name']}: print their card with station cards"
        change(act)

    @app.post("/settings/roster/<athlete_id:int>/<op:re:rename|remove|restore|up|down>")
    def roster_change(athlete_id: int, op: str):
        def act(con, form):
            if op == "rename":
                roster.rename_athlete(con, athlete_id, form.getunicode("name") or "",
                                      form.getunicode("nickname") or "", who())
                return "Renamed"
            if op in ("remove", "restore"):
                roster.set_active(con, athlete_id, op == "restore", who())
                return "Taken off the roster" if op == "remove" else "Back on the roster"
            if roster.move_athlete(con, athlete_id, -1 if op == "up" else 1, who()):
                return "Rotation order changed"
            person = people(con)[athlete_id]
            return (f"Nothing moved: #{person['number']} {read.display_name(person)} is "
                    f"{'first' if op == 'up' else 'last'} in the rotation already")
        change(act)

    # -- assets and errors --------------------------------------------------------------

    @app.get("/docs/<name:re:[a-z0-9-]+\\.md>")
    def docs(name: str):
        resp = bottle.static_file(name, root=str(DOCS), mimetype="text/plain",
                                  charset="utf-8")
        resp.set_header("Cache-Control", "max-age=3600")
        return resp

    @app.get("/static/<name:re:[a-z0-9_-]+\\.(js|css|svg)>")
    def static(name: str):
        resp = bottle.static_file(name, root=str(STATIC))
        resp.set_header("Cache-Control", "max-age=3600")
        return resp

    @app.hook("after_request")
    def headers():
        r = bottle.response
        r.set_header("X-Content-Type-Options", "nosniff")
        r.set_header("X-Frame-Options", "DENY")
        r.set_header("Referrer-Policy", "no-referrer")
        r.set_header("Content-Security-Policy",
                     "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                     "script-src 'self'; frame-ancestors 'none'")

    def error_page(err: bottle.HTTPError) -> str:
        return bottle.template("error", template_lookup=[VIEWS], title="Error",
                               status=err.status_code, message=err.body,
                               authed=False, local=_local, poll_s=site.poll_s)

    for code in (400, 403, 404, 405, 500, 503):
        app.error(code)(error_page)
    return app
