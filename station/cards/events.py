"""What the card watcher tells the station's flow: who showed their card, or why a card
starts nobody's set."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CardShown:
    """An athlete of this station's roster held up their card."""

    athlete_id: int
    name: str
    t: float


@dataclass(frozen=True)
class CardRefused:
    """A station card that starts nobody's set, and the line the screen says about it."""

    reason: str
    t: float
