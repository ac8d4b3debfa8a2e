"""What the screen shows and what a person can ask: the flow's public face to the kiosk.

The screens never ask the coach, the sensors or the store anything; they draw a `KioskView`
the station's flow fills in, and hand the flow an `Input` for each key, tap or button press.
That keeps drawing cheap and testable with hand-made values, and the flow testable without
a screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum

import numpy as np

from station.domain import Fault, Side


class Input(Enum):
    """What a person asked for, from whichever control they used."""

    PRESS = "press"  # the big button, space, a tap: start / next athlete / dismiss
    MENU = "menu"  # "m", Tab, the menu corner: open or close the coach menu
    HOLD = "hold"  # the big button held: open the coach menu, or pick its row selected
    UP = "up"
    DOWN = "down"
    SELECT = "select"
    BACK = "back"


class Screen(Enum):
    """The station's screens, one per step of its flow."""

    IDLE = "idle"
    SETUP = "setup"
    COACHING = "coaching"
    SUMMARY = "summary"


class Part(StrEnum):
    """A part of the station with a badge on the status strip (its name is the badge's)."""

    CAMERA = "camera"
    POSE = "pose"
    LOAD_CELL = "load cell"
    BUZZER = "buzzer"


@dataclass(frozen=True)
class PartHealth:
    """A part's health as a value: `ok`, or down with the reason in a few words."""

    ok: bool
    reason: str = ""


@dataclass
class Badge:
    """One part's health for the status strip: `ok`, or down with the reason in a few words."""

    name: str
    ok: bool = True
    reason: str = ""


@dataclass
class Check:
    """One setup check: passed (True), not yet (False) or not available (None), with a hint."""

    label: str
    ok: bool | None = False
    hint: str = ""


@dataclass
class Verdict:
    """The per-rep verdict shown for a couple of seconds after each rep."""

    rep_index: int
    passed: bool
    fault: Fault | None
    cue: str
    until: float  # station time at which it goes away
    judged: bool = True  # False: counted, no verdict (the cue says what to change)


@dataclass
class Summary:
    """The set in a few numbers: what the summary screen shows."""

    reps: int = 0
    passed: int = 0
    main_fault: Fault | None = None
    main_fault_count: int = 0
    main_cue: str = ""
    best_rep: int | None = None
    best_note: str = ""
    reason: str = ""  # why the set ended, in words ("out of view"); "" when it was done
    not_judged: int = 0  # reps counted without a verdict


class MenuKey(StrEnum):
    """What a row of the coach menu does."""

    CALIBRATE = "calibrate"
    MUTE = "mute"
    CLASS_MODE = "class"
    CLOSE = "close"


@dataclass
class MenuItem:
    """A row of the coach menu: its label and its current value as text."""

    key: MenuKey
    label: str
    value: str = ""


HIP_PATH_LEN = 240  # hip positions kept for the path: 8 s at 30 fps, a slow rep and a half


@dataclass
class Live:
    """The live picture: the newest pose, the hip's path, the band, the count and the cue."""

    landmarks: np.ndarray | None = None  # [33, 4] normalised, as in PoseFrame
    image: np.ndarray | None = None  # the camera frame (H, W, 3) RGB, or None: draw a figure
    image_size: tuple[int, int] = (640, 480)
    side: Side | None = None
    stick_ok: bool = True
    hip_path: np.ndarray = field(default_factory=lambda: np.full((HIP_PATH_LEN, 2), np.nan))
    hip_path_len: int = 0
    tension_n: float | None = None
    tension_min_n: float = 20.0
    tension_max_n: float = 150.0
    rep_count: int = 0
    passed: int = 0
    cue: str = ""
    cue_is_fault: bool = False
    not_judged: int = 0  # reps counted without a verdict (the view, knees hidden, in part)
    # What to change about the view ("Turn side-on to the camera"), "" while the coach can
    # judge from it: shown over the cue, as no fault is called until it is put right.
    view_message: str = ""

    def add_hip(self, x: float, y: float) -> None:
        """Append a hip position (normalised image coordinates) to the path, oldest out."""
        n = self.hip_path_len
        if n < HIP_PATH_LEN:
            self.hip_path[n] = (x, y)
            self.hip_path_len = n + 1
        else:
            self.hip_path[:-1] = self.hip_path[1:]
            self.hip_path[-1] = (x, y)

    def clear_hip_path(self) -> None:
        self.hip_path_len = 0


@dataclass
class KioskView:
    """Everything on screen at one instant."""

    screen: Screen = Screen.IDLE
    now: float = 0.0  # station time, seconds (drives the attract loop and the countdowns)
    badges: list[Badge] = field(default_factory=lambda: [Badge(part) for part in Part])
    checks: list[Check] = field(default_factory=list)
    live: Live = field(default_factory=Live)
    verdict: Verdict | None = None
    summary: Summary = field(default_factory=Summary)
    rotation_left_s: float | None = None  # class mode: seconds to the next athlete
    menu: list[MenuItem] | None = None  # the coach menu when open
    menu_selected: int = 0
    toast: str = ""  # a one-line message from the menu ("Buzzer muted")
    toast_until: float = 0.0
    athlete_name: str = ""  # whose card started the set ("": a guest): "Hi, Sam"

    @property
    def counts(self) -> tuple[int, int]:
        """The reps and passes on screen: the set's summary on the summary screen (the live
        count is already reset for the next athlete), else the live count."""
        if self.screen is Screen.SUMMARY:
            return self.summary.reps, self.summary.passed
        return self.live.rep_count, self.live.passed

    def badge(self, name: str) -> Badge:
        for b in self.badges:
            if b.name == name:
                return b
        raise KeyError(name)
