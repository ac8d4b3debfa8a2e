"""Who is on the station: the athlete whose card was shown for the set, or a guest.

A card is looked for only between sets (idle, setup, the last set's summary, with the menu
closed): shown then, it starts that athlete's set, or makes the set being set up theirs. A
card shown mid-set is ignored. The name stays on screen ("Hi, Sam") through the set's setup
and its summary; the station forgets it when it goes idle.
"""

from __future__ import annotations

from dataclasses import dataclass

from station.flow.view import Screen

CARD_SCREENS = (Screen.IDLE, Screen.SETUP, Screen.SUMMARY)


@dataclass(frozen=True)
class Athlete:
    """An athlete of the roster: their id in the session log and the name the screen uses."""

    id: int
    name: str


def accepts_cards(screen: Screen, menu_open: bool) -> bool:
    """A card shown now would be taken (the watcher decodes frames only then)."""
    return screen in CARD_SCREENS and not menu_open


def greeting(name: str) -> str:
    """What the setup screen says to a named athlete."""
    return f"Hi, {name}"
