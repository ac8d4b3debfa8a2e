"""The station's flow: idle, someone steps in, setup check, coaching, summary, idle again.

`StationFlow` is the station's brain between the sensors and the outputs. It takes pose
frames, tension samples and inputs (the button, the keyboard, the touch screen), runs the
coach, and keeps a `KioskView` for the screen up to date; live faults go to the buzzer and
every scored rep to the session log. Both outputs only queue their work, and the flow reads
no clock: every call carries the station time (seconds on the sensors' monotonic clock), so
the same flow runs live, fast-forwarded in the headless demo, and step by step in tests.

    IDLE --person in view person_in_view_s--> SETUP --checks hold setup_hold_s, or a rep-->
    COACHING --set_reps scored, out of view out_of_view_s, "next athlete", rotation, stop-->
    SUMMARY --summary_seconds, or a press--> IDLE

Its parts, each in a module of its own: `Presence` (who is in view), `SetupGate` (the setup
checks), `StatusBadges` (each part's health), `CoachMenu` and `ClassMode` (the menu and the
rotation it turns on), the verdict and the summary (`summary`) and `SetLog` (the session
log's rows).
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import TypeAlias

import numpy as np

from station.cards.events import CardRefused, CardShown
from station.coach import Coach
from station.config import Config
from station.domain import (
    Event,
    FaultDetected,
    PoseFrame,
    RepResult,
    RepScored,
    RepStarted,
    Side,
    TensionSample,
)
from station.flow.alerts import Alerts
from station.flow.athlete import Athlete, accepts_cards, greeting
from station.flow.badges import STALE_TENSION_S, BrokerState, StatusBadges
from station.flow.class_mode import ClassMode
from station.flow.menu import NOT_DURING_A_SET, CoachMenu
from station.flow.presence import Presence
from station.flow.set_log import SetLog
from station.flow.setup import BodySide, SetupGate, facing_side, waiting_checks
from station.flow.summary import SetEnding, summarise, verdict_for
from station.flow.view import Input, KioskView, Part, PartHealth, Screen
from station.logbook.requests import PageRequest
from station.store import StoreWriter

READY_CUE = "Hips back, stick on"
NOTICE_S = 6.0  # how long news from the session log (old sets pruned) stays on screen

TOAST_S = 2.5  # how long a card's or the coach page's message stays up
NOT_SAVED = "Results not saved: tell a coach"  # the session log failed to write

# What the sensor threads and the controls hand in: a pose, a tension sample, an input, the
# camera's newest picture ((H, W, 3) RGB, shown under the skeleton), a card seen by the card
# watcher, or a request from the coach page.
Inbound: TypeAlias = (PoseFrame | TensionSample | Input | np.ndarray | CardShown | CardRefused
                      | PageRequest)


class StationFlow:
    """The station's flow over a coach, a buzzer and a session log (see the module's doc)."""

    def __init__(self, config: Config, buzzer: Alerts, store: StoreWriter | None,
                 set_reps: int = 10, calibrate: Callable[[], str] | None = None,
                 has_load_cell: bool = True) -> None:
        self.config = config
        self.buzzer = buzzer
        self.set_reps = set_reps
        self.has_load_cell = has_load_cell
        k = config.kiosk
        self.view = KioskView()
        self.view.live.tension_min_n = config.coach.band_slack_min_n
        self.view.live.tension_max_n = k.setup_max_tension_n
        self.inbox: queue.SimpleQueue[Inbound] = queue.SimpleQueue()  # from other threads
        self.presence = Presence()
        self.setup = SetupGate(config.coach, k.setup_max_tension_n, k.setup_hold_s)
        self.badges = StatusBadges()
        self.class_mode = ClassMode(k.class_rotation_s)
        self.menu = CoachMenu(self.view, buzzer, self.class_mode, calibrate, self._forget_band)
        self.set_log = SetLog(store)
        self.sets_done = 0
        # The set in progress: its coach (None between sets), its reps and every coach event.
        self.coach: Coach | None = None
        self.reps: list[RepResult] = []
        self.events: list[Event] = []
        # The band's gain per facing side, as the last athlete's coach learned it: the anchor
        # stays put, so the next athlete's first rep is read on the band too.
        self._band_gains: dict[Side, float] = {}
        self._tension: TensionSample | None = None  # the newest sample
        self._screen_since = 0.0  # station time the current screen came up
        self.athlete_on: Athlete | None = None  # whose card started the set (None: a guest)
        self._trouble_said: str | None = None  # the log's trouble the screen last said

    @property
    def person_present(self) -> bool:
        """Someone is in view now (the load cell re-tares itself only while nobody is)."""
        return self.presence.in_view_for(self.view.now) > 0.0

    @property
    def store(self) -> StoreWriter | None:
        """The session log the sets go to (None: not logged)."""
        return self.set_log.store

    @property
    def accepts_cards(self) -> bool:
        """A card shown now would be taken: the card watcher looks only then."""
        return accepts_cards(self.view.screen, self.menu.is_open)

    @property
    def athlete(self) -> int:
        """Class mode: which athlete of the rotation is on."""
        return self.class_mode.athlete

    # -- inputs --------------------------------------------------------------------------

    def report(self, part: str, ok: bool, reason: str = "") -> None:
        """A part's own word on its health ("camera", "pose", "load cell"): a camera that
        cannot open, a pose model that failed, a load cell that is noisy. Shown on its badge
        until it reports ok again. Call from the main thread (or submit through a wrapper)."""
        self.badges.report(part, PartHealth(ok, reason))

    def report_broker(self, state: BrokerState, now: float) -> None:
        """The broker's state ([mqtt]), for its badge: shown only when something is wrong.
        Call from the main thread."""
        self.badges.report_broker(state, now)

    def submit(self, item: Inbound) -> None:
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

    def feed(self, item: Inbound, now: float) -> None:
        """Take in one item at once (on the main thread)."""
        if isinstance(item, np.ndarray):
            self.view.live.image = item
        elif isinstance(item, PoseFrame):
            self.on_pose(item)
        elif isinstance(item, TensionSample):
            self.on_tension(item)
        elif isinstance(item, CardShown | CardRefused):
            self.on_card(item, now)
        elif isinstance(item, PageRequest):
            self.on_page_request(item, now)
        else:
            self.on_input(item, now)

    @property
    def set_full(self) -> bool:
        """The set has its `set_reps` reps: the coach hears no more of it, and it ends once
        the last verdict has been shown (reps that come on the verdict's heels are not
        counted into it)."""
        return self.coach is not None and len(self.reps) >= self.set_reps

    def on_tension(self, sample: TensionSample) -> None:
        """A band tension sample: to the coach during a set, and to the band's gauge."""
        self._tension = sample
        if self.coach is not None and not self.set_full:
            self.on_coach_events(self.coach.add_tension(sample))
            self.view.live.tension_n = self.coach.snapshot.tension_n
        else:
            self.view.live.tension_n = sample.force_n

    def on_pose(self, frame: PoseFrame) -> None:
        """A pose frame: presence, the live picture, the coach during a set, and the setup
        checks while the setup screen is up."""
        live = self.view.live
        present = frame.has_person
        self.presence.update(frame.t, present)
        live.landmarks = frame.landmarks if present else None
        live.image_size = (frame.width, frame.height)
        if self.coach is not None and not self.set_full:
            self.on_coach_events(self.coach.add_pose(frame))
            snap = self.coach.snapshot
            live.side = snap.side
            live.stick_ok = abs(snap.stick_deg) <= self.config.coach.stick_max_deg
            # (Out of view, the coach's view says why: gone over the top edge, or away.)
            live.view_message = self.coach.view.message
            if present and snap.side is not None:
                hip = frame.landmarks[BodySide.of(snap.side).hip]
                live.add_hip(float(hip[0]), float(hip[1]))
        if self.view.screen is Screen.SETUP and present:
            band = self._tension if self.has_load_cell else None
            self.view.checks = self.setup.check(frame, live.side or facing_side(frame),
                                                band.force_n if band is not None else None)

    def on_input(self, inp: Input, now: float, row: int | None = None) -> None:
        """A press, the menu, or a menu move. `row` is a tapped menu row."""
        if self.menu.is_open:
            self.menu.on_input(inp, now, row)
        elif inp in (Input.MENU, Input.HOLD):
            self.menu.open()
        elif inp is Input.PRESS:
            self._press(now)

    def on_card(self, card: CardShown | CardRefused, now: float) -> None:
        """A card between sets starts that athlete's set (or makes the one being set up
        theirs); mid-set, or with the menu open, it is ignored."""
        if not self.accepts_cards:
            return
        if isinstance(card, CardRefused):
            self._toast(card.reason, now)
            return
        athlete = Athlete(card.athlete_id, card.name)
        if self.view.screen is Screen.SETUP:
            self._name(athlete)  # no rep yet: the set being set up is theirs
        else:
            self._start_setup(now, athlete)
        self._toast(greeting(athlete.name), now)

    def on_page_request(self, request: PageRequest, now: float) -> None:
        """A setting changed on the coach page: done as the menu would, the toast says it,
        and the page is told what came of it."""
        if request.what == "mute":
            self.buzzer.muted = request.value == "1"
            msg = "Buzzer muted" if self.buzzer.muted else "Buzzer on"
        elif request.what == "calibrate":
            if self.view.screen is Screen.COACHING:
                msg = NOT_DURING_A_SET
            else:
                msg = self.menu.calibrate() if self.menu.calibrate else \
                    "No load cell to calibrate"
                self._forget_band()
        elif request.what == "class_mode":
            try:
                seconds = float(request.value or 0)
            except ValueError:
                seconds = -1.0
            msg = self.class_mode.set(seconds or None, now) if seconds >= 0 else \
                f"Class mode {request.value!r} not understood"
        else:
            msg = f"Not a setting: {request.what}"
        self._toast(msg, now)
        if self.menu.is_open:  # its rows show the new values
            selected = self.view.menu_selected
            self.menu.open()
            self.view.menu_selected = selected
        self.set_log.answer(request.id, msg)

    def _toast(self, text: str, now: float) -> None:
        self.view.toast, self.view.toast_until = text, now + TOAST_S

    def _name(self, athlete: Athlete | None) -> None:
        """Whose set this is (None: a guest), and the name on screen."""
        self.athlete_on = athlete
        self.view.athlete_name = athlete.name if athlete is not None else ""

    def on_coach_events(self, events: list[Event]) -> None:
        """What the coach said: kept for the set, heard by the buzzer, shown on screen
        (until the set is full: what comes after its last rep is not part of it)."""
        for e in events:
            if self.set_full:
                break
            self.events.append(e)
            self.buzzer.on_event(e)
            self._show(e)

    # -- time ----------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        """The time-driven steps: badges, verdict over, rotation, and the screens' timers
        (wake up, setup done, out of view, summary over)."""
        v = self.view
        v.now = now
        if v.verdict is not None and now >= v.verdict.until:
            v.verdict = None
        last_tension = self._tension.t if self._tension is not None else None
        if last_tension is None or now - last_tension > STALE_TENSION_S:
            v.live.tension_n = None  # no reading: the gauge says so, not the last one
        trouble = self.set_log.trouble()
        self.badges.report_storage(PartHealth(not self.set_log.paused, "paused"))
        self.badges.update(v, now, self.presence.last_frame, last_tension, self.has_load_cell,
                           self.buzzer)
        if trouble is not None and trouble != self._trouble_said:
            # Once for each new trouble (the journal has the detail); the badge stays.
            v.toast, v.toast_until = NOT_SAVED, now + NOTICE_S
        elif now >= v.toast_until and (notice := self.set_log.notice()) is not None:
            v.toast, v.toast_until = notice, now + NOTICE_S
        self._trouble_said = trouble
        if self.class_mode.rotate(now):
            if v.screen in (Screen.SETUP, Screen.COACHING):
                self._end_set(now, SetEnding.ROTATION)
            else:
                self._reset_set()
        v.rotation_left_s = self.class_mode.left_s(now)
        self._advance(now)

    def _advance(self, now: float) -> None:
        """Move to the next screen when the current one's time has come."""
        v, k = self.view, self.config.kiosk
        if v.screen is Screen.IDLE:
            if self.presence.in_view_for(now) >= k.person_in_view_s:
                self._start_setup(now)
        elif v.screen is Screen.SETUP:
            if self._gone(now):
                self._reset_set()
                self._go(Screen.IDLE, now)
            elif self.setup.held(now) and v.live.landmarks is not None:
                self._go(Screen.COACHING, now)
        elif v.screen is Screen.COACHING:
            if len(self.reps) >= self.set_reps and v.verdict is None:
                self._end_set(now, SetEnding.DONE)
            elif self._gone(now):
                seeing = v.badge(Part.CAMERA).ok  # poses come, and nobody is in them
                self._end_set(now, SetEnding.OUT_OF_VIEW if seeing else SetEnding.CAMERA_STOPPED)
        elif v.screen is Screen.SUMMARY and now - self._screen_since >= k.summary_seconds:
            self._go(Screen.IDLE, now)

    def _gone(self, now: float) -> bool:
        """The athlete has been out of view `out_of_view_s`, and this screen up as long."""
        out_s = self.config.kiosk.out_of_view_s
        return self.presence.out_of_view_for(now) >= out_s and now - self._screen_since >= out_s

    # -- the set -------------------------------------------------------------------------

    def _press(self, now: float) -> None:
        """The big button: start, then straight to coaching, then next athlete, then idle."""
        screen = self.view.screen
        if screen is Screen.IDLE:
            self._start_setup(now)
        elif screen is Screen.SETUP:
            self._go(Screen.COACHING, now)
        elif screen is Screen.COACHING:
            self._end_set(now, SetEnding.NEXT_ATHLETE)
        else:
            self._go(Screen.IDLE, now)

    def _go(self, screen: Screen, now: float) -> None:
        self.view.screen = screen
        self._screen_since = now
        if screen is Screen.COACHING:
            self.view.live.cue = self.view.live.cue or READY_CUE
        if screen is Screen.IDLE:
            self._reset_set()
            self._name(None)

    def _reset_set(self) -> None:
        """Forget the set: a fresh coach starts with the next person in view (keeping
        only what it learned of the band)."""
        if self.coach is not None:
            self._band_gains = self.coach.band_gains
        self.coach = None
        self.reps = []
        self.events = []
        self.set_log.forget()
        self.setup.reset()
        live = self.view.live
        live.rep_count = live.passed = live.not_judged = 0
        live.cue, live.cue_is_fault, live.view_message = "", False, ""
        live.side = None
        live.clear_hip_path()
        self.view.verdict = None
        self.view.checks = []
        self.buzzer.reset()

    def _start_setup(self, now: float, athlete: Athlete | None = None) -> None:
        """A new set: the athlete whose card was shown, or a guest."""
        self._reset_set()
        self._name(athlete)
        self.coach = Coach(self.config.coach, self._band_gains)
        self.set_log.start(now)
        self.view.checks = waiting_checks(self.has_load_cell)
        self._go(Screen.SETUP, now)

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
            live.not_judged = sum(not r.judged for r in self.reps)
            v.verdict = verdict_for(rep, until=e.t + self.config.kiosk.verdict_seconds)
            live.cue, live.cue_is_fault = rep.cue, rep.failed
            self.set_log.add_rep(rep, self.athlete if self.class_mode.on else None,
                                 self.athlete_on.id if self.athlete_on else None)

    def _end_set(self, now: float, ending: SetEnding) -> None:
        """The summary for the set so far (or idle when it had no reps)."""
        if not self.reps:
            self._reset_set()
            self._go(Screen.IDLE, now)
            return
        summary = summarise(self.reps, ending.shown)
        self.set_log.end(now, self.coach.side if self.coach else None, summary.main_fault,
                         ending)
        self.sets_done += 1
        self._reset_set()
        self.view.summary = summary
        self._go(Screen.SUMMARY, now)

    def stop(self, now: float) -> None:
        """The station is stopping (SIGTERM, the window closed): the set in progress ends
        ("station stopped"), so its row in the log is closed rather than left open."""
        if self.view.screen in (Screen.SETUP, Screen.COACHING):
            self._end_set(now, SetEnding.STOPPED)

    def _forget_band(self) -> None:
        """The band may have been rigged anew (the load cell was calibrated): learn it again."""
        self._band_gains = {}
        if self.coach is not None:
            self.coach.forget_band()
