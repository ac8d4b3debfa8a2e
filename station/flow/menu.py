"""The coach menu: its rows, moving through them, and what picking each row does.

A press steps down the rows, up and down move either way, a select (Enter) or a hold of the
big button picks the row selected, and a tap picks the row it lands on; the menu input
(`m`, Tab, the corner) or back closes it, and so does picking "Close": with the big button
alone a coach presses down to a row and holds to pick it. The rows
calibrate the load cell, mute the buzzer, and step class mode through its rotations; a
toast says what was done.
"""

from __future__ import annotations

from collections.abc import Callable

from station.flow.alerts import Alerts
from station.flow.class_mode import ClassMode
from station.flow.view import Input, KioskView, MenuItem, MenuKey, Screen

TOAST_S = 2.5  # how long the toast saying what a row did stays up
NOT_DURING_A_SET = "Not during a set: calibrate between sets, nobody on the band"


class CoachMenu:
    """The menu on `view`, over the buzzer and class mode. `calibrate()` calibrates the
    load cell and says how it went (None: no load cell); `recalibrated()` tells the flow
    the band may have been rigged anew."""

    def __init__(self, view: KioskView, buzzer: Alerts, class_mode: ClassMode,
                 calibrate: Callable[[], str] | None,
                 recalibrated: Callable[[], None]) -> None:
        self.view = view
        self.buzzer = buzzer
        self.class_mode = class_mode
        self.calibrate = calibrate
        self.recalibrated = recalibrated

    @property
    def is_open(self) -> bool:
        return self.view.menu is not None

    def items(self) -> list[MenuItem]:
        """The menu's rows, with the buzzer's and class mode's current values."""
        return [
            MenuItem(MenuKey.CALIBRATE, "Calibrate load cell"),
            MenuItem(MenuKey.MUTE, "Buzzer", "MUTED" if self.buzzer.muted else "ON"),
            MenuItem(MenuKey.CLASS_MODE, "Class mode", self.class_mode.label()),
            MenuItem(MenuKey.CLOSE, "Close"),
        ]

    def open(self) -> None:
        """Show the menu with its first row selected."""
        self.view.menu = self.items()
        self.view.menu_selected = 0

    def on_input(self, inp: Input, now: float, row: int | None = None) -> None:
        """Move through the open menu, or pick a row (`row`: a tapped row, picked at once)."""
        view = self.view
        assert view.menu is not None
        n = len(view.menu)
        if row is not None:
            view.menu_selected = row
            inp = Input.SELECT
        if inp in (Input.MENU, Input.BACK):
            view.menu = None
        elif inp is Input.UP:
            view.menu_selected = (view.menu_selected - 1) % n
        elif inp in (Input.DOWN, Input.PRESS):  # one button: a press steps down
            view.menu_selected = (view.menu_selected + 1) % n
        elif inp in (Input.SELECT, Input.HOLD):  # one button: a hold picks
            self._choose(view.menu[view.menu_selected].key, now)

    def _choose(self, key: MenuKey, now: float) -> None:
        """Do what the picked row says; a toast says what was done."""
        view = self.view
        if key is MenuKey.CLOSE:
            view.menu = None
            return
        if key is MenuKey.CALIBRATE and view.screen is Screen.COACHING:
            msg = NOT_DURING_A_SET  # zeroing now would take the athlete's pull for slack
        elif key is MenuKey.CALIBRATE:
            msg = self.calibrate() if self.calibrate else "No load cell to calibrate"
            self.recalibrated()
        elif key is MenuKey.MUTE:
            self.buzzer.muted = not self.buzzer.muted
            msg = "Buzzer muted" if self.buzzer.muted else "Buzzer on"
        else:
            msg = self.class_mode.step(now)
        view.toast, view.toast_until = msg, now + TOAST_S
        selected = view.menu_selected  # the rows' new values, the selection kept
        view.menu = self.items()
        view.menu_selected = selected
