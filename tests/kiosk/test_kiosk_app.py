"""The kiosk's loop under SDL's dummy driver: keys, taps and the frame loop."""

from __future__ import annotations

import dataclasses
import time

import pygame

from station.config import Config
from station.domain import TensionSample
from station.flow.flow import StationFlow
from station.flow.view import Screen
from station.hardware.buzzer import AlertBuzzer
from station.kiosk.app import KioskApp


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)


def tap(pos) -> pygame.event.Event:
    return pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=pos)


def test_keys_and_taps_drive_the_flow():
    app = KioskApp(Config().kiosk, headless=True)
    assert app.screen.get_size() == (800, 480)
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    app.handle(key(pygame.K_SPACE), flow, 0.0)
    assert flow.view.screen is Screen.SETUP
    app.handle(tap(app.renderer.menu_button().center), flow, 0.1)
    assert flow.view.menu is not None
    rows = app.renderer.menu_rows(len(flow.view.menu))
    app.handle(tap(rows[1].center), flow, 0.2)  # "Buzzer": mute
    assert flow.buzzer.muted
    app.handle(key(pygame.K_ESCAPE), flow, 0.3)  # closes the menu, does not quit
    assert flow.view.menu is None and app.running
    app.handle(tap((400, 300)), flow, 0.4)  # a tap anywhere else: the big "next" press
    assert flow.view.screen is Screen.COACHING
    app.handle(key(pygame.K_ESCAPE), flow, 0.5)  # windowed: Esc quits
    assert not app.running
    app.close()


def test_full_screen_no_key_quits_the_kiosk():
    """Full screen is the appliance: a keyboard plugged into it does not stop it (systemd
    would not bring a clean exit back), in a window Ctrl-Q and Esc do."""
    app = KioskApp(Config().kiosk, headless=True)
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    ctrl_q = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q, mod=pygame.KMOD_LCTRL,
                                unicode="", scancode=0)
    app.windowed = False  # as `station run` opens it on the Pi's screen
    for event in (ctrl_q, key(pygame.K_ESCAPE)):
        app.handle(event, flow, 0.0)
        assert app.running
    app.windowed = True
    app.handle(ctrl_q, flow, 0.1)
    assert not app.running
    app.close()


def test_between_frames_the_loop_hands_samples_to_the_flow_at_once():
    # 5 frames a second: a long wait between frames however slowly this machine draws.
    app = KioskApp(dataclasses.replace(Config().kiosk, fps=5), headless=True)
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    frames = [0]
    handed: list[tuple[int, float]] = []  # (frames drawn, the value handed in)
    seen: list[tuple[float, float | None]] = []  # (the value handed in last, what the flow has)

    def hand_in(now: float) -> None:
        if handed and handed[-1][0] == frames[0]:  # no frame since the last hand-in
            seen.append((handed[-1][1], flow.view.live.tension_n))
        value = float(len(handed) + 1)
        handed.append((frames[0], value))
        flow.submit(TensionSample(now, value))

    def after() -> None:
        frames[0] += 1

    started = time.monotonic()
    assert app.run(flow, after_frame=after, max_frames=3, hand_in=hand_in) == 3
    assert time.monotonic() - started >= 3 / 5  # the frame rate holds: a wait after each
    assert len(handed) >= 10  # many a frame: every 5 ms while waiting (about 120 in 0.6 s)
    # Each sample was taken in before the next hand-in, with no frame drawn in between.
    assert seen and all(got == value for value, got in seen)
    app.close()


def test_the_loop_draws_until_quit():
    app = KioskApp(Config().kiosk, headless=True)
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    frames = []
    clock = iter(i / 30 for i in range(1000))

    def after() -> None:
        frames.append(flow.view.now)
        if len(frames) == 5:
            pygame.event.post(pygame.event.Event(pygame.QUIT))

    assert app.run(flow, after_frame=after, clock=lambda: next(clock)) == 6
    assert len(frames) == 6  # the QUIT is read on the next frame
    assert frames[:3] == [0.0, 1 / 30, 2 / 30]
    # The idle screen was drawn: its title's white pixels are on the display surface.
    assert any(app.screen.get_at((x, 70))[:3] == (245, 245, 245) for x in range(360, 700))
    app.close()


def test_a_button_press_from_its_thread_reaches_the_flow():
    from gpiozero.pins.mock import MockFactory

    from station.config import ButtonConfig
    from station.flow.view import Input
    from station.hardware.button import StationButton

    factory = MockFactory()
    app = KioskApp(Config().kiosk, headless=True)
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    config = ButtonConfig(pin=17, bounce_s=0.0)  # the mock pin does not bounce
    button, _ = StationButton.open(config, lambda: flow.submit(Input.PRESS),
                                   lambda: flow.submit(Input.MENU), pin_factory=factory)
    pin = factory.pin(17)
    pin.drive_low()
    pin.drive_high()
    assert flow.view.screen is Screen.IDLE  # queued, not acted on from the button's thread
    app.frame(flow, 1.0)
    assert flow.view.screen is Screen.SETUP
    button.close()
    factory.reset()
    app.close()
