"""What the flow needs of whatever sounds the alerts (on the station, the buzzer)."""

from __future__ import annotations

from typing import Protocol

from station.domain import Event


class Alerts(Protocol):
    """Hears every coach event and sounds the ones that call for it (a live fault, a pass);
    can be muted from the coach menu and says whether it works, for its badge."""

    muted: bool

    @property
    def ok(self) -> bool:
        """It can sound (a buzzer is wired and opened)."""
        ...

    @property
    def reason(self) -> str:
        """Why it cannot sound, in a few words; "" when it can."""
        ...

    def on_event(self, event: Event) -> bool:
        """Sound for this event if it calls for it; True when something was played."""
        ...

    def reset(self) -> None:
        """A new set: forget which faults already sounded."""
        ...
