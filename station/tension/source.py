"""What the station needs of any source of band tension: the live sensor or a recording.

`TensionSensor` (the HX711 through its reader process) and `TensionReplay` (a recorded CSV)
both satisfy `TensionSource`; the live supervisor and the self-test read either through it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from station.domain import TensionSample
from station.tension.filter import TensionStatus


@runtime_checkable
class TensionSource(Protocol):
    """Band tension samples as they arrive, and whether they can be trusted."""

    def start(self) -> None:
        """Begin delivering samples (a reader process starts, a recording's clock runs)."""
        ...

    def poll(self) -> list[TensionSample]:
        """The samples that arrived since the last poll, oldest first (never blocks)."""
        ...

    def status(self, now: float | None = None) -> TensionStatus:
        """The health right now (`now` on the monotonic clock; None reads the clock)."""
        ...

    def set_present(self, present: bool) -> None:
        """Someone is at the station (from the camera): the sensor does not re-tare then."""
        ...

    def stop(self) -> None:
        """Stop delivering; the source may be started again."""
        ...
