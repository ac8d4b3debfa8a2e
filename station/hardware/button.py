"""The optional big button: a press means start / next athlete, a long hold opens the menu.

A gpiozero `Button` wired from the pin to ground (the internal pull-up holds it high).
Its callbacks run in gpiozero's own thread, so they only hand the press on (`on_press` /
`on_hold` should put it on a queue); the screen's loop picks it up on its next frame.
"""

from __future__ import annotations

from collections.abc import Callable

from station.config import ButtonConfig
from station.hardware.gpio import open_gpio


class StationButton:
    """One button, two meanings: released before `hold_s` is a press, held past it a hold."""

    def __init__(self, button, on_press: Callable[[], None],
                 on_hold: Callable[[], None]) -> None:
        self.button = button
        self._on_press = on_press
        self._on_hold = on_hold
        self._held = False
        button.when_pressed = self._pressed
        button.when_held = self._hold
        button.when_released = self._released

    @classmethod
    def open(cls, config: ButtonConfig, on_press: Callable[[], None],
             on_hold: Callable[[], None], pin_factory=None) -> tuple[StationButton | None, str]:
        """The configured button, or None and the reason (disabled, no GPIO here)."""
        if not config.enabled:
            return None, "disabled"
        from gpiozero import Button

        button, reason = open_gpio(lambda: Button(
            config.pin, pull_up=True, bounce_time=config.bounce_s or None,
            hold_time=config.hold_s, pin_factory=pin_factory))
        if button is None:
            return None, reason
        return cls(button, on_press, on_hold), ""

    def _pressed(self) -> None:
        self._held = False

    def _hold(self) -> None:
        self._held = True
        self._on_hold()

    def _released(self) -> None:
        if not self._held:
            self._on_press()
        self._held = False

    def close(self) -> None:
        self.button.close()
