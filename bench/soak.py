"""Soak: the whole station on the simulated athlete for hours of simulated time, fast-forwarded.

One athlete after another walks up, does a set and walks off, and the station's flow, coach,
buzzer (on gpiozero's mock pins), session log (a real SQLite file, its own thread) and screen
(rendered off-screen once a simulated second) take it all in at the speed this machine can go.
It reports the resident memory over time, the threads alive at the start and the end, and
whether every set and every rep reached the log.

    .venv/bin/python -m bench.soak --hours 8          # prints the figures
The test suite runs a short version (tests/live/test_soak.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402
from gpiozero.pins.mock import MockFactory, MockPWMPin  # noqa: E402

from station.config import Config, KioskConfig, StoreConfig  # noqa: E402
from station.domain import RepScored  # noqa: E402
from station.flow.flow import StationFlow  # noqa: E402
from station.hardware.buzzer import AlertBuzzer  # noqa: E402
from station.kiosk.screens import Renderer  # noqa: E402
from station.sim.player import SetPlayer  # noqa: E402
from station.sim.session import SimulatedSet, simulate_set  # noqa: E402
from station.store import SessionLog, StoreWriter  # noqa: E402

FPS = 30.0
EMPTY_BEFORE_S = 3.0  # nobody in view between athletes
EMPTY_AFTER_S = 8.0  # the athlete walks off: the summary shows, then the attract screen


def rss_bytes() -> int:
    """This process's resident memory now (not its peak), from /proc."""
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class SoakResult:
    simulated_s: float = 0.0
    wall_s: float = 0.0
    frames: int = 0
    renders: int = 0
    sets_started: int = 0  # athletes who did at least one rep (the last may be mid-set)
    sets_ended: int = 0
    reps_scored: int = 0
    sets_logged: int = 0
    reps_logged: int = 0
    reps_per_set_ok: bool = False  # each logged set has exactly the reps the flow scored
    store_reason: str = ""
    rss: list[tuple[float, int]] = field(default_factory=list)  # (simulated s, bytes)
    warm_up_s: float = 0.0
    threads_after_warm_up: set[str] = field(default_factory=set)
    threads_at_end: set[str] = field(default_factory=set)

    @property
    def rss_after_warm_up(self) -> int:
        return next(b for t, b in self.rss if t >= self.warm_up_s)

    @property
    def rss_peak_after_warm_up(self) -> int:
        return max(b for t, b in self.rss if t >= self.warm_up_s)

    @property
    def rss_growth(self) -> float:
        """Peak resident memory after warm-up over the resident memory at its end, minus 1."""
        return self.rss_peak_after_warm_up / self.rss_after_warm_up - 1.0

    def lines(self) -> list[str]:
        mb = 1e6
        return [
            f"simulated {self.simulated_s / 3600:.2f} h in {self.wall_s:.1f} s "
            f"({self.simulated_s / max(self.wall_s, 1e-9):.0f}x real time), "
            f"{self.frames} frames, {self.renders} renders",
            f"sets: {self.sets_started} with reps, {self.sets_ended} ended, "
            f"{self.sets_logged} in the log; reps: {self.reps_scored} scored, "
            f"{self.reps_logged} in the log; every set's reps match: {self.reps_per_set_ok}",
            f"resident memory: {self.rss_after_warm_up / mb:.1f} MB after "
            f"{self.warm_up_s / 60:.0f} min warm-up, peak after it "
            f"{self.rss_peak_after_warm_up / mb:.1f} MB, growth {100 * self.rss_growth:+.2f}%",
            f"threads after warm-up: {sorted(self.threads_after_warm_up)}; at the end: "
            f"{sorted(self.threads_at_end)}",
        ]


class CountingBuzzer(AlertBuzzer):
    """The station's buzzer, counting the reps the coach scored (it sees every event)."""

    reps_scored = 0

    def on_event(self, event) -> bool:
        if isinstance(event, RepScored):
            self.reps_scored += 1
        return super().on_event(event)


def soak_config(log_path: Path) -> Config:
    return replace(Config(), kiosk=replace(KioskConfig(), fullscreen=False),
                   store=replace(StoreConfig(), path=str(log_path)))


def run_soak(hours: float, log_path: Path, pool_size: int = 6, reps: int = 10,
             render_every_s: float = 1.0, warm_up_fraction: float = 0.2,
             progress: Callable[[str], None] | None = None) -> SoakResult:
    """Run the station for `hours` of simulated time on a pool of simulated sets in turn."""
    config = soak_config(log_path)
    pool: list[SimulatedSet] = [simulate_set(1000 + i, reps) for i in range(pool_size)]
    pygame.display.init()
    pygame.font.init()
    surface = pygame.Surface((config.kiosk.width, config.kiosk.height))
    renderer = Renderer(config.kiosk.width, config.kiosk.height)
    buzzer = CountingBuzzer.from_config(config.buzzer,
                                        pin_factory=MockFactory(pin_class=MockPWMPin))
    store = StoreWriter(log_path, config.store.max_sets)
    flow = StationFlow(config, buzzer, store, set_reps=reps)
    result = SoakResult(warm_up_s=hours * 3600 * warm_up_fraction)
    total_s = hours * 3600.0
    dt = 1.0 / FPS
    render_every = max(1, round(render_every_s * FPS))
    started = time.perf_counter()
    athlete = 0
    player = SetPlayer(pool[0], 0.0, EMPTY_BEFORE_S, EMPTY_AFTER_S, seed=0)
    step = 0
    next_sample = 0.0
    try:
        while True:
            now = step * dt
            if now > total_s:
                break
            for item in player.due(now):
                flow.submit(item)
            flow.drain(now)
            if step % render_every == 0:
                renderer.render(surface, flow.view)
                result.renders += 1
            if player.done:
                athlete += 1
                player = SetPlayer(pool[athlete % pool_size], now, EMPTY_BEFORE_S,
                                   EMPTY_AFTER_S, seed=athlete)
            if now >= next_sample:
                result.rss.append((now, rss_bytes()))
                if not result.threads_after_warm_up and now >= result.warm_up_s:
                    result.threads_after_warm_up = {t.name for t in threading.enumerate()}
                next_sample += 60.0
                if progress is not None and int(now) % 1800 == 0:
                    progress(f"{now / 3600:.1f} h: {flow.sets_done} sets, "
                             f"{rss_bytes() / 1e6:.1f} MB")
            step += 1
        result.reps_scored = buzzer.reps_scored
        result.sets_started = flow.sets_done + (1 if flow.reps else 0)
        result.frames = step
        result.simulated_s = step * dt
        result.threads_at_end = {t.name for t in threading.enumerate()}
        store.flush(30.0)
    finally:
        store.close()
        buzzer.close()
        pygame.display.quit()
    result.wall_s = time.perf_counter() - started
    result.sets_ended = flow.sets_done
    result.store_reason = store.reason
    log = SessionLog(log_path, config.store.max_sets)
    try:
        sets = log.sets()
        result.sets_logged = len(sets)
        result.reps_logged = sum(s["reps"] for s in sets)
        result.reps_per_set_ok = all(len(log.reps(s["uid"])) == s["reps"] for s in sets)
    finally:
        log.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=8.0, help="simulated hours (default 8)")
    parser.add_argument("--pool", type=int, default=8, help="distinct simulated sets (default 8)")
    parser.add_argument("--log", type=Path, default=None, help="the SQLite log (default: temp)")
    parser.add_argument("--json", action="store_true",
                        help="print the result as JSON (what tests/test_soak.py reads)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        log_path = args.log or Path(tmp) / "soak.sqlite3"
        result = run_soak(args.hours, log_path, pool_size=args.pool,
                          progress=None if args.json else
                          lambda s: print(s, file=sys.stderr, flush=True))
    if args.json:
        data = dataclasses.asdict(result)
        data.update(rss_growth=result.rss_growth, lines=result.lines(),
                    threads_after_warm_up=sorted(result.threads_after_warm_up),
                    threads_at_end=sorted(result.threads_at_end))
        print(json.dumps(data))
        return 0
    for line in result.lines():
        print(line)
    for t, b in result.rss[:: max(1, len(result.rss) // 12)]:
        print(f"  {t / 3600:5.2f} h  {b / 1e6:7.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
