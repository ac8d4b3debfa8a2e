"""`station run`'s wiring of the big button: a press and a hold on gpiozero's mock pins
reach the flow, and the button alone runs the coach menu."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from station.config import ButtonConfig, Config
from station.flow.flow import StationFlow
from station.flow.view import Screen
from station.hardware.buzzer import AlertBuzzer
from station.live.wiring import open_button

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def pins():
    """gpiozero's default pins are mock pins for the test (the wiring opens its own)."""
    before = Device.pin_factory
    Device.pin_factory = MockFactory()
    yield Device.pin_factory
    Device.pin_factory.reset()
    Device.pin_factory = before


def _settle(flow: StationFlow, now: float, done, timeout: float = 5.0) -> None:
    """Let the flow take in what the button's thread queued until `done()`."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the button's input never reached the flow"
        time.sleep(0.01)
        flow.drain(now)


def test_the_big_button_alone_picks_a_menu_row(pins):
    """Holding the button used to send "menu", which closed the menu: with the button alone
    no row could be picked. Now a hold opens the menu, a press moves down, a hold picks."""
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    button = open_button(ButtonConfig(pin=17, bounce_s=0.0, hold_s=0.2), flow)
    assert button is not None
    pin = pins.pin(17)

    def hold() -> None:
        pin.drive_low()
        time.sleep(0.35)
        pin.drive_high()

    def press() -> None:
        pin.drive_low()
        pin.drive_high()

    try:
        hold()
        _settle(flow, 1.0, lambda: flow.view.menu is not None)
        press()
        press()  # down to "Class mode"
        _settle(flow, 2.0, lambda: flow.view.menu_selected == 2)
        hold()  # picks it: class mode on, the menu stays open
        _settle(flow, 3.0, lambda: flow.class_mode.on)
        assert flow.view.menu is not None and flow.view.toast.startswith("Class mode")
        press()  # down to "Close"
        _settle(flow, 4.0, lambda: flow.view.menu_selected == 3)
        hold()
        _settle(flow, 5.0, lambda: flow.view.menu is None)
        assert flow.view.screen is Screen.IDLE  # no press leaked through to start a set
        press()  # with the menu closed a press starts, as ever
        _settle(flow, 6.0, lambda: flow.view.screen is Screen.SETUP)
    finally:
        button.close()


NO_SCREEN = """
import sys
from station.cli import main
code = main(["run", "--config", sys.argv[1]])
print(code, "mediapipe" in sys.modules)
"""


def test_run_without_a_screen_says_so_before_loading_the_pose_model(tmp_path):
    """`station run` with no display used to load MediaPipe first (1.6 s, 288 MB), then
    suggest `--headless`, an option `run` does not have."""
    config = tmp_path / "station.toml"
    config.write_text("[kiosk]\nfullscreen = true\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["SDL_VIDEODRIVER"] = "nosuchdriver"
    done = subprocess.run([sys.executable, "-c", NO_SCREEN, str(config)], env=env,
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.stdout == "2 False\n"  # exit 2, and MediaPipe never imported
    assert done.stderr.startswith("station: error: no display (nosuchdriver: ")
    assert "--headless" not in done.stderr.split("`station demo --headless`")[0]
    assert done.stderr.endswith("`station run` draws on the screen: run it on the station's "
                                "console or as its service (`station demo --headless` runs "
                                "without one)\n")
    assert done.stderr.count("\n") == 1
