"""`station run`'s wiring: every part built from the config, handed to the live station and
the kiosk's loop, and closed on the way out."""

from __future__ import annotations

import logging
import signal
import sys
import time

from station.appliance.watchdog import Watchdog
from station.cards.reader import CardReader
from station.cards.watcher import CardWatcher, RosterLookup
from station.config import ButtonConfig, Config
from station.errors import ConfigError
from station.flow.flow import StationFlow
from station.flow.view import Input
from station.hardware.button import StationButton
from station.hardware.camera import FrameSource
from station.live.page_state import PagePublisher
from station.live.supervisor import LiveStation
from station.logbook.requests import RequestInbox

NO_SCREEN_HINT = ("`station run` draws on the screen: run it on the station's console or as "
                  "its service (`station demo --headless` runs without one)")


def open_button(config: ButtonConfig, flow: StationFlow) -> StationButton | None:
    """The big button, where one is wired: a press starts and moves on (in the menu: the
    next row), a hold opens the menu (in the menu: picks the row). Its thread only queues
    the input for the flow."""
    button, _ = StationButton.open(config, on_press=lambda: flow.submit(Input.PRESS),
                                   on_hold=lambda: flow.submit(Input.HOLD))
    return button


def open_cards(config: Config, flow: StationFlow) -> CardWatcher | None:
    """The card watcher ([cards] enabled): decodes frames between sets, hands the flow who
    showed their card. Its decoder missing is a ConfigError naming the key."""
    if not config.cards.enabled:
        return None
    lookup = RosterLookup(config.resolve(config.store.path))
    try:
        reader = CardReader(lookup.station, config.cards.decoder, config.cards.upscale)
    except ImportError as exc:
        raise ConfigError(f"[cards] decoder = {config.cards.decoder!r} cannot be loaded "
                          f"({exc}); reinstall the station, or set [cards] enabled = false"
                          ) from None
    return CardWatcher(reader, lookup, flow.submit, config.cards.rate_hz)


def run_station(config: Config) -> int:
    """`station run`: build every part from the config and run the kiosk until it is closed."""
    from station.hardware.buzzer import AlertBuzzer
    from station.hardware.camera import open_source
    from station.kiosk.app import KioskApp
    from station.live.broker import open_log
    from station.pose.estimator import PoseEstimator
    from station.tension.sensor import TensionSensor

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    watchdog = Watchdog()
    # The screen first: without one the station cannot run, and finding that out must not
    # wait for the pose model (a second and a half, 290 MB).
    app = KioskApp(config.kiosk, hint=NO_SCREEN_HINT)
    try:
        watchdog.status("starting: loading the pose model")
        estimator = PoseEstimator.from_config(config)
    except BaseException:
        app.close()
        raise

    def make_tension() -> TensionSensor:
        return TensionSensor.from_config(config)

    def open_camera() -> FrameSource:
        source = open_source(config)
        source.open()
        return source

    buzzer = AlertBuzzer.from_config(config.buzzer)
    log_path = config.resolve(config.store.path)
    store, broker = open_log(config)
    # The coach menu's "Calibrate load cell" zeroes the live load cell (`station calibrate`
    # scales it with a known mass); the station is built just below.
    flow = StationFlow(config, buzzer, store, calibrate=lambda: station.zero_load_cell())
    broker.attach(flow)
    button = open_button(config.button, flow)
    station = LiveStation(config, flow, open_camera, estimator.process_frame, make_tension,
                          watchdog, cards=open_cards(config, flow),
                          requests=RequestInbox(log_path, flow.submit),
                          page=PagePublisher(store))
    # systemd stops the station with SIGTERM: end the loop, close every part on the way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: setattr(app, "running", False))
    station.start()
    try:
        def after_frame() -> None:
            station.after_frame()
            broker.after_frame()

        app.run(flow, feed=station.feed, after_frame=after_frame, hand_in=station.hand_in)
    finally:
        flow.stop(time.monotonic())  # the set in progress is closed in the log, not left open
        station.stop()
        if button is not None:
            button.close()
        buzzer.close()
        store.close()
        broker.stop()
        estimator.close()
        app.close()
    return 0


def wait_for_fixed_config(path: str | None, error: ConfigError) -> Config:
    """Under systemd, a broken settings file: show the error on the screen and in the
    journal, keep the watchdog fed, and return the settings once the file is fixed."""
    from station.appliance.config_wait import NoticeScreen, wait_for_config

    watchdog = Watchdog()
    screen = None
    try:
        screen = NoticeScreen()
    except Exception as exc:  # no screen: the journal still says it
        print(f"station: cannot show the error on the screen ({exc})", file=sys.stderr)

    def draw(message: str) -> None:
        if screen is not None:
            screen.draw(path, message)

    try:
        config = wait_for_config(path, error, watchdog, draw)
    finally:
        if screen is not None:
            screen.close()
    assert config is not None
    return config
