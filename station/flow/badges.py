"""The status strip: each part's health on its badge.

The flow sees some of it itself (camera frames and load-cell samples arriving, the buzzer
muted or missing); each part may also report its own health (a camera that cannot open, a
pose model that failed, a load cell that is noisy), and a reported fault wins.
"""

from __future__ import annotations

from station.flow.alerts import Alerts
from station.flow.view import KioskView, Part, PartHealth

STALE_POSE_S = 1.0  # no frame for this long: the camera is down
STALE_TENSION_S = 0.5  # no tension sample for this long: the load cell is down


def arriving(last: float | None, now: float, stale_s: float, never: str,
             stopped: str) -> PartHealth:
    """The health of a stream whose last item came at `last`: ok while it keeps coming."""
    if last is not None and now - last <= stale_s:
        return PartHealth(True)
    return PartHealth(False, never if last is None else stopped)


class StatusBadges:
    """Keeps the view's badges: what the flow sees, with each part's own report over it."""

    def __init__(self) -> None:
        self.reported: dict[str, PartHealth] = {}  # each part's last word on its health

    def report(self, part: str, health: PartHealth) -> None:
        """A part's own word on its health, shown until it reports ok again."""
        self.reported[part] = health

    def update(self, view: KioskView, now: float, last_frame: float | None,
               last_tension: float | None, has_load_cell: bool, buzzer: Alerts) -> None:
        """Every badge at station time `now`."""
        seen = {
            Part.CAMERA: arriving(last_frame, now, STALE_POSE_S, "no frames", "stalled"),
            Part.LOAD_CELL: arriving(last_tension, now, STALE_TENSION_S, "no readings",
                                     "stale")
            if has_load_cell else PartHealth(False, "none: camera only"),
            Part.POSE: PartHealth(True),  # the pose worker's health is only what it reports
        }
        for part, health in seen.items():
            _show(view, part, health)
        for badge in view.badges:
            reported = self.reported.get(badge.name, PartHealth(True))
            if not reported.ok:
                badge.ok, badge.reason = False, reported.reason
        _show(view, Part.BUZZER, PartHealth(buzzer.ok and not buzzer.muted,
                                            "muted" if buzzer.muted else buzzer.reason))


def _show(view: KioskView, part: Part, health: PartHealth) -> None:
    badge = view.badge(part)
    badge.ok, badge.reason = health.ok, health.reason
