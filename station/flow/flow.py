"""The station's flow: idle, someone steps in, setup check, coaching, summary, idle again.

`StationFlow` is the station's brain between the sensors and the outputs. It takes pose
frames, tension samples and inputs (the button, the keyboard, the touch screen), runs the
coach, and keeps a `KioskView` for the screen up to date; live faults go to the buzzer and
every scored rep to the session log. Both outputs only queue their work, and the flow reads
no clock: every call carries the station time (seconds on the sensors' monotonic clock), so
the same flow runs live, fast-forwarded in the headless demo, and step by step in tests.

    IDLE --person in view person_in_view_s--> SETUP --checks hold setup_hold_s, or a rep-->
    COACHING --set_reps scored, out of view out_of_view_s, "next athlete", rotation-->
    SUMMARY --summary_seconds, or a press--> IDLE
"""

from __future__ import annotations

import math
import queue
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

import numpy as np

from station.coach import Coach
from station.coach.cues import CUES, PRIORITY
from station.config import Config
from station.domain import (
    LEFT_ANKLE,
    LEFT_EAR,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    RIGHT_ANKLE,
    RIGHT_EAR,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
    Event,
    FaultDetected,
    PoseFrame,
    RepResult,
    RepScored,
    RepStarted,
    Side,
    TensionSample,
)
from station.flow.view import Check, KioskView, MenuItem, Screen, Summary, Verdict
from station.hardware.buzzer import AlertBuzzer
from station.store import SetEnd, StoreWriter

READY_CUE = "Hips back, stick on"
LOST_GAP_S = 0.3  # a person lost for less than this (a dropped frame or two) is still there
STALE_POSE_S = 1.0  # no frame for this long: the camera is down
STALE_TENSION_S = 0.5  # no tension sample for this long: the load cell is down
CLASS_STEPS_S = (60.0, 120.0, 180.0, 300.0)  # the class-mode rotations the menu offers


class Input(Enum):
    """What a person asked for, from whichever control they used."""

    PRESS = "press"  # the big button, space, a tap: start / next athlete / dismiss
    MENU = "menu"  # the button held, "m", the menu corner: open or close the coach menu
    UP = "up"
    DOWN = "down"
    SELECT = "select"
    BACK = "back"


@dataclass
class _Presence:
    """How long someone has been in view, or out of it, allowing for dropped frames."""

    since: float | None = None  # first frame of the current stretch in view
    last_seen: float | None = None
    last_frame: float | None = None

    def update(self, t: float, present: bool) -> None:
        self.last_frame = t
        if present:
            if self.since is None or self.last_seen is None or t - self.last_seen > LOST_GAP_S:
                self.since = t
            self.last_seen = t

    def in_view_for(self, now: float) -> float:
        if self.since is None or self.last_seen is None or now - self.last_seen > LOST_GAP_S:
            return 0.0
        return now - self.since

    def out_of_view_for(self, now: float) -> float:
        if self.last_seen is None:
            return math.inf
        return now - self.last_seen


def _near(side: Side) -> tuple[int, int, int, int, int]:
    if side is Side.LEFT:
        return LEFT_EAR, LEFT_SHOULDER, LEFT_HIP, LEFT_KNEE, LEFT_ANKLE
    return RIGHT_EAR, RIGHT_SHOULDER, RIGHT_HIP, RIGHT_KNEE, RIGHT_ANKLE


def setup_checks(frame: PoseFrame, side: Side, tension_n: float | None, min_n: float,
                 max_n: float, min_visibility: float, standing_deg: float) -> list[Check]:
    """The three setup checks for one frame: standing side-on, whole body, band tension."""
    lm = frame.landmarks
    w, h = frame.width, frame.height
    ear, shoulder, hip, knee, ankle = _near(side)
    # Side-on: seen from the side the shoulders overlap; facing the camera they sit a torso's
    # third or more apart. Standing: the trunk within standing_deg of vertical.
    sh_dx = abs(lm[LEFT_SHOULDER, 0] - lm[RIGHT_SHOULDER, 0]) * w
    trunk = np.array([(lm[shoulder, 0] - lm[hip, 0]) * w, (lm[shoulder, 1] - lm[hip, 1]) * h])
    torso = float(np.hypot(*trunk))
    lean = math.degrees(math.atan2(abs(trunk[0]), abs(trunk[1]))) if torso > 0 else 90.0
    side_on = bool(torso > 0 and sh_dx < 0.3 * torso)
    standing = lean < standing_deg
    if not side_on:
        stand = Check("Side-on", False, "Turn side-on to the camera")
    elif not standing:
        stand = Check("Side-on", False, "Stand tall to start")
    else:
        stand = Check("Side-on", True)
    points = lm[[ear, shoulder, hip, knee, ankle]]
    inside = bool(np.all((points[:, :2] > 0.01) & (points[:, :2] < 0.99))
                  and np.all(points[:, 3] >= min_visibility))
    body = Check("Whole body", inside, "" if inside else "Head to feet in the picture")
    if tension_n is None:
        band = Check("Band", None, "No load cell: camera only")
    elif tension_n < min_n:
        band = Check(f"Band {tension_n:.0f} N", False, "Step away from the anchor")
    elif tension_n > max_n:
        band = Check(f"Band {tension_n:.0f} N", False, "Step closer to the anchor")
    else:
        band = Check(f"Band {tension_n:.0f} N", True)
    return [stand, body, band]


def summarise(reps: list[RepResult], reason: str) -> Summary:
    """The set in a few numbers: passes, the commonest fault and its cue, the best rep."""
    s = Summary(reps=len(reps), passed=sum(r.passed for r in reps), reason=reason)
    counts = Counter(f for r in reps for f in r.faults)
    if counts:
        top = max(counts.values())
        s.main_fault = next(f for f in PRIORITY if counts.get(f) == top)
        s.main_fault_count = top
        s.main_cue = CUES[s.main_fault]
    good = [r for r in reps if r.passed]
    if good:
        best = max(good, key=lambda r: r.metrics.get("hip_travel", 0.0))
        s.best_rep = best.index
        if "hip_travel" in best.metrics:
            s.best_note = "hips furthest back"
    return s


class StationFlow:
    """The station's flow over a coach, a buzzer and a session log (see the module's doc)."""

    def __init__(self, config: Config, buzzer: AlertBuzzer, store: StoreWriter | None,
                 set_reps: int = 10, calibrate: Callable[[], str] | None = None,
                 has_load_cell: bool = True) -> None:
        self.config = config
        self.k = config.kiosk
        self.buzzer = buzzer
        self.store = store
        self._store_dropped = 0
        self.set_reps = set_reps
        self.calibrate = calibrate
        self.has_load_cell = has_load_cell
        self.view = KioskView()
        self.view.live.tension_min_n = config.coach.band_slack_min_n
        self.view.live.tension_max_n = self.k.setup_max_tension_n
        self.coach: Coach | None = None
        # The band's gain per facing side, as the last athlete's coach learned it: the anchor
        # stays put, so the next athlete's first rep is read on the band too.
        self._band_gains: dict[Side, float] = {}
        self.reps: list[RepResult] = []
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()  # samples and inputs from threads
        self._presence = _Presence()
        self._tension_t: float | None = None
        self._tension_n: float | None = None
        self._checks_ok_since: float | None = None
        self._screen_since = 0.0
        self._set_uid: str | None = None
        self._set_logged = False
        self._set_start = 0.0
        self._rotation_s: float | None = None
        self._rotation_end = 0.0
        self.athlete = 0  # class mode: which athlete of the rotation
        self.sets_done = 0
        self.events: list[Event] = []  # every coach event of the current set, in order
        self._reported: dict[str, tuple[bool, str]] = {}

    @property
    def person_present(self) -> bool:
        """Someone is in view now (the load cell re-tares itself only while nobody is)."""
        return self._presence.in_view_for(self.view.now) > 0.0

    # -- inputs --------------------------------------------------------------------------

    def report(self, part: str, ok: bool, reason: str = "") -> None:
        """A part's own word on its health ("camera", "pose", "load cell"): a camera that
        cannot open, a pose model that failed, a load cell that is noisy. Shown on its badge
        until it reports ok again. Call from the main thread (or submit through a wrapper)."""
        self._reported[part] = (ok, reason)

    def submit(self, item: PoseFrame | TensionSample | Input | np.ndarray) -> None:
        """Thread-safe: a sensor thread or a button callback hands something in.

        An array is the camera's newest picture, (H, W, 3) RGB, shown under the skeleton;
        the camera thread hands in each frame it captures (or every few, to spare the CPU).
        """
        self.inbox.put(item)

    def drain(self, now: float) -> None:
        """Take in everything the threads handed in, then update the time-driven parts."""
        while True:
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                break
            self.feed(item, now)
        self.tick(now)

    def feed(self, item: PoseFrame | TensionSample | Input | np.ndarray, now: float) -> None:
        if isinstance(item, np.ndarray):
            self.view.live.image = item
        elif isinstance(item, PoseFrame):
            self.on_pose(item)
        elif isinstance(item, TensionSample):
            self.on_tension(item)
        else:
            self.on_input(item, now)

    def on_tension(self, sample: TensionSample) -> None:
        self._tension_t = sample.t
        self._tension_n = sample.force_n
        if self.coach is not None:
            self._events(self.coach.add_tension(sample))
            self.view.live.tension_n = self.coach.snapshot.tension_n
        else:
            self.view.live.tension_n = sample.force_n

    def on_pose(self, frame: PoseFrame) -> None:
        live = self.view.live
        present = frame.has_person
        self._presence.update(frame.t, present)
        live.landmarks = frame.landmarks if present else None
        live.image_size = (frame.width, frame.height)
        if self.coach is not None:
            self._events(self.coach.add_pose(frame))
            snap = self.coach.snapshot
            live.side = snap.side
            live.stick_ok = abs(snap.stick_deg) <= self.config.coach.stick_max_deg
            if present and snap.side is not None:
                hip = frame.landmarks[_near(snap.side)[2]]
                live.add_hip(float(hip[0]), float(hip[1]))
        if self.view.screen is Screen.SETUP and present:
            side = live.side or (Side.RIGHT if frame.landmarks[RIGHT_HIP, 3] >=
                                 frame.landmarks[LEFT_HIP, 3] else Side.LEFT)
            tension = self._tension_n if self.has_load_cell else None
            self.view.checks = setup_checks(
                frame, side, tension, self.config.coach.band_slack_min_n,
                self.k.setup_max_tension_n, self.config.coach.min_visibility,
                self.config.coach.standing_trunk_deg)
            if all(c.ok is not False for c in self.view.checks):
                if self._checks_ok_since is None:
                    self._checks_ok_since = frame.t
            else:
                self._checks_ok_since = None

    def on_input(self, inp: Input, now: float, row: int | None = None) -> None:
        """A press, the menu, or a menu move. `row` is a tapped menu row."""
        v = self.view
        if v.menu is not None:
            self._menu_input(inp, now, row)
            return
        if inp is Input.MENU:
            self._open_menu()
        elif inp is Input.PRESS:
            if v.screen is Screen.IDLE:
                self._start_setup(now)
            elif v.screen is Screen.SETUP:
                self._go(Screen.COACHING, now)
            elif v.screen is Screen.COACHING:
                self._end_set(now, "next athlete")
            else:
                self._go(Screen.IDLE, now)

    # -- time ----------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        """The time-driven steps: wake up, setup done, out of view, summary over, rotation."""
        v, k = self.view, self.k
        v.now = now
        if v.verdict is not None and now >= v.verdict.until:
            v.verdict = None
        self._badges(now)
        if self._rotation_s is not None:
            if now >= self._rotation_end:
                self._rotation_end += self._rotation_s * max(
                    1, math.ceil((now - self._rotation_end) / self._rotation_s))
                self.athlete += 1
                if v.screen in (Screen.SETUP, Screen.COACHING):
                    self._end_set(now, "next athlete, please")
                else:
                    self._reset_set()
            v.rotation_left_s = self._rotation_end - now
        else:
            v.rotation_left_s = None
        p = self._presence
        if v.screen is Screen.IDLE:
            if p.in_view_for(now) >= k.person_in_view_s:
                self._start_setup(now)
        elif v.screen is Screen.SETUP:
            if p.out_of_view_for(now) >= k.out_of_view_s and now - self._screen_since >= \
                    k.out_of_view_s:
                self._reset_set()
                self._go(Screen.IDLE, now)
            elif self._checks_ok_since is not None and \
                    v.live.landmarks is not None and \
                    now - self._checks_ok_since >= k.setup_hold_s:
                self._go(Screen.COACHING, now)
        elif v.screen is Screen.COACHING:
            if len(self.reps) >= self.set_reps and v.verdict is None:
                self._end_set(now, "")
            elif p.out_of_view_for(now) >= k.out_of_view_s and now - self._screen_since >= \
                    k.out_of_view_s:
                self._end_set(now, "out of view")
        elif v.screen is Screen.SUMMARY and now - self._screen_since >= k.summary_seconds:
            self._go(Screen.IDLE, now)

    def _badges(self, now: float) -> None:
        v = self.view
        cam = v.badge("camera")
        last = self._presence.last_frame
        cam.ok = last is not None and now - last <= STALE_POSE_S
        cam.reason = "" if cam.ok else ("no frames" if last is None else "stalled")
        cell = v.badge("load cell")
        if not self.has_load_cell:
            cell.ok, cell.reason = False, "none: camera only"
        else:
            t = self._tension_t
            cell.ok = t is not None and now - t <= STALE_TENSION_S
            cell.reason = "" if cell.ok else ("no readings" if t is None else "stale")
        pose = v.badge("pose")  # the pose worker's health is only what it reports
        pose.ok, pose.reason = True, ""
        for b in v.badges:  # a part's own report of a fault wins over what the flow sees
            ok, reason = self._reported.get(b.name, (True, ""))
            if not ok:
                b.ok, b.reason = False, reason
        buzz = v.badge("buzzer")
        buzz.ok = self.buzzer.ok and not self.buzzer.muted
        buzz.reason = "muted" if self.buzzer.muted else self.buzzer.reason
        # A write lost to the disk is said on screen even when the next one already worked
        # (the writer thread may fail and recover between two frames).
        if self.store is not None and (not self.store.ok
                                       or self.store.dropped != self._store_dropped):
            self._store_dropped = self.store.dropped
            v.toast, v.toast_until = self.store.reason or self.store.last_error, now + 1.0

    # -- the set -------------------------------------------------------------------------

    def _go(self, screen: Screen, now: float) -> None:
        self.view.screen = screen
        self._screen_since = now
        if screen is Screen.COACHING:
            self.view.live.cue = self.view.live.cue or READY_CUE
        if screen is Screen.IDLE:
            self._reset_set()

    def _reset_set(self) -> None:
        """Forget the set: a fresh coach starts with the next person in view (keeping
        only what it learned of the band)."""
        if self.coach is not None:
            self._band_gains = self.coach.band_gains
        self.coach = None
        self.reps = []
        self.events = []
        self._set_uid = None
        self._set_logged = False
        self._checks_ok_since = None
        live = self.view.live
        live.rep_count = live.passed = 0
        live.cue, live.cue_is_fault = "", False
        live.side = None
        live.clear_hip_path()
        self.view.verdict = None
        self.view.checks = []
        self.buzzer.reset()

    def _start_setup(self, now: float) -> None:
        self._reset_set()
        self.coach = Coach(self.config.coach, self._band_gains)
        self._set_uid = uuid.uuid4().hex
        self._set_start = now
        self.view.checks = [Check("Side-on", False, "Step into the picture"),
                            Check("Whole body", False),
                            Check("Band", None if not self.has_load_cell else False)]
        self._go(Screen.SETUP, now)

    def _events(self, events: list[Event]) -> None:
        for e in events:
            self.events.append(e)
            self.buzzer.on_event(e)
            self._show(e)

    def _show(self, e: Event) -> None:
        v, live = self.view, self.view.live
        if isinstance(e, RepStarted):
            if v.screen is Screen.SETUP:  # the athlete started: no need to wait for ticks
                self._go(Screen.COACHING, e.t)
            live.clear_hip_path()
            live.cue, live.cue_is_fault = READY_CUE, False
        elif isinstance(e, FaultDetected) and e.live:
            live.cue, live.cue_is_fault = e.cue, True
        elif isinstance(e, RepScored):
            rep = e.rep
            self.reps.append(rep)
            live.rep_count = len(self.reps)
            live.passed = sum(r.passed for r in self.reps)
            fault = next((f for f in PRIORITY if f in rep.faults), None)
            v.verdict = Verdict(rep.index, rep.passed, fault, rep.cue,
                                until=e.t + self.k.verdict_seconds)
            live.cue, live.cue_is_fault = rep.cue, not rep.passed
            self._log_rep(rep)

    def _log_rep(self, rep: RepResult) -> None:
        if self.store is None or self._set_uid is None:
            return
        if not self._set_logged:
            started = datetime.now(UTC).isoformat(timespec="seconds")
            self.store.begin_set(self._set_uid, started,
                                 self.athlete if self._rotation_s is not None else None)
            self._set_logged = True
        self.store.add_rep(self._set_uid, rep)

    def _end_set(self, now: float, reason: str) -> None:
        """The summary for the set so far (or idle when it had no reps)."""
        if not self.reps:
            self._reset_set()
            self._go(Screen.IDLE, now)
            return
        summary = summarise(self.reps, reason)
        if self.store is not None and self._set_uid is not None and self._set_logged:
            side = self.coach.side.value if self.coach and self.coach.side else None
            self.store.end_set(self._set_uid, SetEnd(
                side, summary.main_fault.value if summary.main_fault else None,
                reason or "done", now - self._set_start))
        self.sets_done += 1
        self._reset_set()
        self.view.summary = summary
        self._go(Screen.SUMMARY, now)

    # -- the coach menu ------------------------------------------------------------------

    def _menu_items(self) -> list[MenuItem]:
        rot = self._rotation_s
        return [
            MenuItem("calibrate", "Calibrate load cell"),
            MenuItem("mute", "Buzzer", "MUTED" if self.buzzer.muted else "ON"),
            MenuItem("class", "Class mode", "OFF" if rot is None else f"{rot / 60:g} min"),
            MenuItem("close", "Close"),
        ]

    def _open_menu(self) -> None:
        self.view.menu = self._menu_items()
        self.view.menu_selected = 0

    def _menu_input(self, inp: Input, now: float, row: int | None) -> None:
        v = self.view
        assert v.menu is not None
        n = len(v.menu)
        if row is not None:
            v.menu_selected = row
            inp = Input.SELECT
        if inp in (Input.MENU, Input.BACK):
            v.menu = None
        elif inp is Input.UP:
            v.menu_selected = (v.menu_selected - 1) % n
        elif inp in (Input.DOWN, Input.PRESS):  # one button: a press steps, a hold picks
            v.menu_selected = (v.menu_selected + 1) % n
        elif inp is Input.SELECT:
            self._choose(v.menu[v.menu_selected].key, now)

    def _choose(self, key: str, now: float) -> None:
        v = self.view
        if key == "close":
            v.menu = None
            return
        if key == "calibrate":
            msg = self.calibrate() if self.calibrate else "No load cell to calibrate"
            self._band_gains = {}  # the band may have been rigged anew: learn it again
            if self.coach is not None:
                self.coach.forget_band()
        elif key == "mute":
            self.buzzer.muted = not self.buzzer.muted
            msg = "Buzzer muted" if self.buzzer.muted else "Buzzer on"
        else:
            msg = self._step_class_mode(now)
        v.toast, v.toast_until = msg, now + 2.5
        selected = v.menu_selected
        v.menu = self._menu_items()
        v.menu_selected = selected

    def _step_class_mode(self, now: float) -> str:
        """Class mode off -> the configured rotation -> the next longer step ... -> off."""
        steps = sorted({self.k.class_rotation_s, *CLASS_STEPS_S})
        rot = self._rotation_s
        if rot is None:
            self._rotation_s = self.k.class_rotation_s
        else:
            longer = [s for s in steps if s > rot]
            self._rotation_s = longer[0] if longer else None
        if self._rotation_s is None:
            return "Class mode off"
        self._rotation_end = now + self._rotation_s
        self.athlete = 1
        return f"Class mode: {self._rotation_s / 60:g} min per athlete"
