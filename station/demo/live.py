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
from station.flow.view import Input
from station.hardware.button import StationButton
from station.hardware.buzzer import AlertBuzzer
from station.kiosk.app import KioskApp
from station.sim.player import SetPlayer
from station.sim.session import simulate_set

EMPTY_BEFORE_S = 3.0  # nobody in view: the attract screen shows
EMPTY_AFTER_S = 8.0  # the athlete has gone: long enough for the summary


def run_live_demo(config: Config, seed: int = 1, reps: int = 10,
                  size: tuple[int, int] | None = None, max_frames: int | None = None) -> int:
    """Run until the window is closed (or for `max_frames`); 0 when it ended normally."""
    app = KioskApp(config.kiosk, size=size)
    buzzer = AlertBuzzer.from_config(config.buzzer)
    flow = StationFlow(config, buzzer, store=None, set_reps=reps)
    # The big button, where one is wired: its thread only queues the press for the loop.
    button, _ = StationButton.open(config.button, on_press=lambda: flow.submit(Input.PRESS),
                                   on_hold=lambda: flow.submit(Input.MENU))
    t0 = time.monotonic()
    state = {"seed": seed, "player": SetPlayer(simulate_set(seed, reps), 0.0, EMPTY_BEFORE_S,
                                               EMPTY_AFTER_S)}

    def feed(now: float) -> None:
        player: SetPlayer = state["player"]
        for item in player.due(now - t0):
            # The player's clock starts at 0; the station's is monotonic: shift to it.
            flow.submit(_shift(item, t0))
        if player.done:
            state["seed"] += 1
            state["player"] = SetPlayer(simulate_set(state["seed"], reps), now - t0,
                                        EMPTY_BEFORE_S, EMPTY_AFTER_S)

    try:
        app.run(flow, feed=feed, max_frames=max_frames, hand_in=feed)
    finally:
        if button is not None:
            button.close()
        buzzer.close()
        app.close()
    return 0


def _shift(item, dt: float):
    """The same frame or sample, `dt` seconds later (the player's clock to the station's)."""
    return replace(item, t=item.t + dt)
