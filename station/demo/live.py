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
from station.live.page_state import PagePublisher
from station.live.wiring import open_button
from station.logbook.requests import RequestInbox
from station.sim.player import Sample, SetPlayer
from station.sim.session import simulate_set
from station.store import StoreWriter

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
                  size: tuple[int, int] | None = None, max_frames: int | None = None,
                  log: bool = False) -> int:
    """Run until the window is closed (or for `max_frames`); 0 when it ended normally.

    With `log` the sets go to the session log ([store] path) as the station's do, with the
    kiosk's state and the coach page's requests: `station web` then shows the demo live."""
    app = KioskApp(config.kiosk, size=size, hint="try --headless")
    buzzer = AlertBuzzer.from_config(config.buzzer)
    log_path = config.resolve(config.store.path)
    store = StoreWriter(log_path, config.store.max_sets) if log else None
    flow = StationFlow(config, buzzer, store=store, set_reps=reps)
    button = open_button(config.button, flow)
    athletes = AthleteQueue(flow, seed, reps, time.monotonic())
    page = PagePublisher(store) if store is not None else None
    requests = RequestInbox(log_path, flow.submit).start() if log else None

    def after_frame() -> None:
        if page is not None:
            page.publish(flow)

    try:
        app.run(flow, feed=athletes.feed, max_frames=max_frames, hand_in=athletes.feed,
                after_frame=after_frame)
    finally:
        flow.stop(time.monotonic())  # a set in progress is closed in the log, not left open
        if requests is not None:
            requests.close()
        if button is not None:
            button.close()
        buzzer.close()
        if store is not None:
            store.close()
        app.close()
    return 0


def _shift(item: Sample, dt: float) -> Sample:
    """The same frame or sample, `dt` seconds later (the player's clock to the station's)."""
    return replace(item, t=item.t + dt)
