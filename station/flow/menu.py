"""The coach menu: its rows, and moving through them with the button, the keys or a tap.

A press steps down the rows, up and down move either way, a select (Enter) picks the row
selected and a tap picks the row it lands on; the menu input or back closes it. What a
picked row does is the flow's (`StationFlow`): calibrating, muting, class mode.
"""

from __future__ import annotations

from station.flow.view import Input, KioskView, MenuItem, MenuKey


def menu_items(muted: bool, class_mode: str) -> list[MenuItem]:
    """The menu's rows, with the buzzer's and class mode's current values."""
    return [
        MenuItem(MenuKey.CALIBRATE, "Calibrate load cell"),
        MenuItem(MenuKey.MUTE, "Buzzer", "MUTED" if muted else "ON"),
        MenuItem(MenuKey.CLASS_MODE, "Class mode", class_mode),
        MenuItem(MenuKey.CLOSE, "Close"),
    ]


def open_menu(view: KioskView, items: list[MenuItem]) -> None:
    """Show the menu with its first row selected."""
    view.menu = items
    view.menu_selected = 0


def refresh_menu(view: KioskView, items: list[MenuItem]) -> None:
    """Show the rows' new values, keeping the selection where it is."""
    selected = view.menu_selected
    view.menu = items
    view.menu_selected = selected


def navigate(view: KioskView, inp: Input, row: int | None = None) -> MenuKey | None:
    """Move through the open menu (`row`: a tapped row, picked at once); the key of the
    row picked, or None when the input only moved the selection or closed the menu."""
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
    elif inp is Input.SELECT:
        return view.menu[view.menu_selected].key
    return None
