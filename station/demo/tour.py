"""The demo's tour of every screen, on the simulated athlete, with a PNG of each.

Time is simulated, so the tour runs as fast as the machine draws and gives the same pictures
every run: nobody in view (attract), an athlete steps in (setup check), hinges (coaching, a
live fault, PASS, FAIL), walks off (summary); a coach opens the menu and turns class mode on,
the next athlete starts, and the rotation ends their set (summary). Keys go in as pygame
events, so the tour drives the same input path a keyboard does.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path

import pygame

from station.config import Config
from station.domain import Phase
from station.errors import InputError
from station.files import same_file
from station.flow.flow import StationFlow
from station.flow.view import Screen
from station.hardware.buzzer import AlertBuzzer
from station.kiosk.app import KioskApp
from station.live.broker import open_log
from station.sim.athlete import RepKind
from station.sim.player import SetPlayer
from station.sim.session import simulate_set

# The first athlete's set shows one of each verdict early; the second is cut by the rotation.
FIRST_SET = [RepKind.GOOD, RepKind.SQUAT, RepKind.GOOD, RepKind.HEAD_OFF]
MAX_TOUR_S = 240.0
# With [mqtt]: seconds the tour waits at its end for the broker to acknowledge its results
# (the rest wait in the log's outbox for the next run).
BROKER_SETTLE_S = 5.0


class Act(Enum):
    """The tour's script, act by act."""

    FIRST_ATHLETE = 1  # a set of FIRST_SET, then the athlete walks off
    CLASS_MODE = 2  # a coach opens the menu and turns class mode on
    SECOND_ATHLETE = 3  # the next athlete's set, ended by the rotation


@dataclasses.dataclass
class _Shot:
    """A screenshot to take, named, the first frame `when(flow, now)` holds."""

    name: str
    when: Callable[[StationFlow, float], bool]
    taken: bool = False


def _key(key: int) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="",
                                         scancode=0))


def tour_log(out_dir: Path) -> Path:
    """The session log the tour writes its sets to."""
    return out_dir / "sessions.sqlite3"


def check_tour_folder(config: Config, out_dir: Path) -> None:
    """InputError when the tour's log would be the station's own session log: the tour's
    simulated sets would join the real ones."""
    real = config.resolve(config.store.path)
    if same_file(tour_log(out_dir), real):
        raise InputError(f"{out_dir}: the tour writes its sets to {tour_log(out_dir)}, the "
                         "station's own session log ([store] path): choose another folder")


def run_tour(config: Config, out_dir: Path, seed: int = 1,
             size: tuple[int, int] | None = None) -> list[Path]:
    """Walk through every screen; write DIR/NN-name.png for each; return the paths."""
    try:
        return _tour(config, out_dir, seed, size)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot write screenshots ({exc})") from None


def _tour(config: Config, out_dir: Path, seed: int, size: tuple[int, int] | None) -> list[Path]:
    """The tour itself: the acts frame by frame on simulated time, a shot when one is due."""
    out_dir.mkdir(parents=True, exist_ok=True)
    kiosk = dataclasses.replace(config.kiosk, class_rotation_s=30.0)
    config = dataclasses.replace(config, kiosk=kiosk)
    app = KioskApp(kiosk, headless=True, size=size or (kiosk.width, kiosk.height))
    store, broker = open_log(config, tour_log(out_dir))
    flow = StationFlow(config, AlertBuzzer.from_config(config.buzzer), store,
                       set_reps=len(FIRST_SET))
    broker.attach(flow)
    fps = kiosk.fps
    player = SetPlayer(simulate_set(seed, kinds=FIRST_SET), start=0.0, empty_before_s=3.0,
                       empty_after_s=60.0)
    entered: dict[Screen, float] = {}
    seen: dict[str, float] = {}

    def since(name: str, now: float, cond: bool) -> float:
        """Seconds `cond` has held (0 when it does not)."""
        if not cond:
            seen.pop(name, None)
            return 0.0
        seen.setdefault(name, now)
        return now - seen[name]

    def on(screen: Screen) -> Callable[[StationFlow, float], float]:
        return lambda f, now: now - entered[screen] if f.view.screen is screen and \
            screen in entered else -1.0

    def verdict(passed: bool) -> Callable[[StationFlow, float], bool]:
        return lambda f, now: since(f"v{passed}", now, f.view.verdict is not None and
                                    f.view.verdict.passed is passed and
                                    now < f.view.verdict.until) >= 0.4

    act = Act.FIRST_ATHLETE
    shots = [
        _Shot("idle", lambda f, now: f.view.screen is Screen.IDLE and now >= 1.6),
        _Shot("setup", lambda f, now: on(Screen.SETUP)(f, now) >= 0.6),
        _Shot("coaching", lambda f, now: since("down", now, f.coach is not None and
                                               f.view.verdict is None and
                                               not f.view.live.cue_is_fault and
                                               f.coach.snapshot.phase is Phase.DESCENDING)
              >= 0.4),
        _Shot("live-fault", lambda f, now: since("fault", now, f.view.live.cue_is_fault and
                                                 f.view.verdict is None) >= 0.2),
        _Shot("verdict-pass", verdict(True)),
        _Shot("verdict-fail", verdict(False)),
        _Shot("summary", lambda f, now: on(Screen.SUMMARY)(f, now) >= 0.5),
        _Shot("menu", lambda f, now: act is Act.CLASS_MODE and f.view.menu is not None),
        _Shot("class-mode", lambda f, now: act is Act.SECOND_ATHLETE and since(
            "class", now, f.view.screen is Screen.COACHING and f.view.verdict is None and
            f.view.rotation_left_s is not None and f.view.live.rep_count >= 1) >= 0.5),
        _Shot("rotation-summary", lambda f, now: act is Act.SECOND_ATHLETE and
              on(Screen.SUMMARY)(f, now) >= 0.5),
    ]
    paths: list[Path] = []
    now = 0.0
    menu_at: float | None = None
    try:
        while now < MAX_TOUR_S and not all(s.taken for s in shots):
            now += 1.0 / fps
            for item in player.due(now):
                flow.submit(item)
            screen_before = flow.view.screen
            app.frame(flow, now)
            broker.after_frame()
            if flow.view.screen is not screen_before or flow.view.screen not in entered:
                entered[flow.view.screen] = now
            for shot in shots:
                if not shot.taken and shot.when(flow, now):
                    path = out_dir / f"{len(paths) + 1:02d}-{shot.name}.png"
                    pygame.image.save(app.screen, str(path))
                    paths.append(path)
                    shot.taken = True
            # The script: after the first summary, a coach opens the menu and picks class mode.
            if act is Act.FIRST_ATHLETE and flow.sets_done == 1 and flow.view.screen is Screen.IDLE:
                act, menu_at = Act.CLASS_MODE, now
                _key(pygame.K_m)
                _key(pygame.K_DOWN)
                _key(pygame.K_DOWN)  # onto "Class mode"
            elif act is Act.CLASS_MODE and menu_at is not None and now - menu_at > 0.5 and \
                    flow.view.menu is not None:
                _key(pygame.K_RETURN)  # class mode on
                _key(pygame.K_ESCAPE)  # close the menu
            elif act is Act.CLASS_MODE and flow.view.menu is None and menu_at is not None and \
                    now - menu_at > 0.5:
                act = Act.SECOND_ATHLETE
                flow.set_reps = 100  # this set ends when the rotation does
                player = SetPlayer(simulate_set(seed + 1, reps=10), start=now,
                                   empty_before_s=1.0, empty_after_s=5.0)
    finally:
        flow.stop(now)  # stopped early (SIGTERM): the set in progress is closed in the log
        store.flush()
        store.close()
        left = broker.stop(settle_s=BROKER_SETTLE_S)
        app.close()
    if left:
        print(f"station demo: {left} results wait in {out_dir / 'sessions.sqlite3'}'s outbox "
              f"for the broker ({broker.publisher.status().error if broker.publisher else ''})",
              file=sys.stderr)
    return paths
