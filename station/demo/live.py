"""`station demo` with a screen: the kiosk in real time on one simulated athlete after another.

Each athlete walks up (after a few seconds with nobody in view), does a set, and walks off;
then the next one comes. The simulated frames and tension samples reach the station's flow
as its sensors' would, at their own times, through the same queue.
"""

from __future__ import annotations

import time
from dataclasses import replace

from station.config import Config
from station.flow.flow import StationFlow
from station.hardware.buzzer import AlertBuzzer
from station.kiosk.app import KioskApp
from station.live.wiring import open_button
from station.sim.player import Sample, SetPlayer
from station.sim.session import simulate_set

EMPTY_BEFORE_S = 3.0  # nobody in view: the attract screen shows
EMPTY_AFTER_S = 8.0  # the athlete has gone: long enough for the summary


class AthleteQueue:
    """One simulated athlete after another, each a new seed, played on the station's clock
    (`t0`: the station time the first athlete's clock starts at)."""

    def __init__(self, flow: StationFlow, seed: int, reps: int, t0: float) -> None:
        self.flow = flow
        self.seed = seed
        self.reps = reps
        self.t0 = t0
        self.player = self._player(0.0)

    def _player(self, start: float) -> SetPlayer:
        return SetPlayer(simulate_set(self.seed, self.reps), start, EMPTY_BEFORE_S,
                         EMPTY_AFTER_S)

    def feed(self, now: float) -> None:
        """Hand the flow what is due by station time `now`; the next athlete when one is done."""
        for item in self.player.due(now - self.t0):
            # The player's clock starts at 0; the station's is monotonic: shift to it.
            self.flow.submit(_shift(item, self.t0))
        if self.player.done:
            self.seed += 1
            self.player = self._player(now - self.t0)


def run_live_demo(config: Config, seed: int = 1, reps: int = 10,
                  size: tuple[int, int] | None = None, max_frames: int | None = None) -> int:
    """Run until the window is closed (or for `max_frames`); 0 when it ended normally."""
    app = KioskApp(config.kiosk, size=size)
    buzzer = AlertBuzzer.from_config(config.buzzer)
    flow = StationFlow(config, buzzer, store=None, set_reps=reps)
    button = open_button(config.button, flow)
    athletes = AthleteQueue(flow, seed, reps, time.monotonic())
    try:
        app.run(flow, feed=athletes.feed, max_frames=max_frames, hand_in=athletes.feed)
    finally:
        if button is not None:
            button.close()
        buzzer.close()
        app.close()
    return 0


def _shift(item: Sample, dt: float) -> Sample:
    """The same frame or sample, `dt` seconds later (the player's clock to the station's)."""
    return replace(item, t=item.t + dt)
