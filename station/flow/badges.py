"""The status strip: each part's health on its badge.

The flow sees some of it itself (camera frames and load-cell samples arriving, the buzzer
muted or missing); each part may also report its own health (a camera that cannot open, a
pose model that failed, a load cell that is noisy), and a reported fault wins.

With a broker in the settings ([mqtt]) the strip has a broker badge too, shown only when
something is wrong: the broker is out of reach, or results have waited in the outbox for
longer than a rep's acknowledgement takes ("offline, 3 waiting"). The session log's badge
("storage") is shown the same way, only while its writes fail ("paused").
"""

from __future__ import annotations

from dataclasses import dataclass

from station.flow.alerts import Alerts
from station.flow.view import Badge, KioskView, Part, PartHealth

STALE_POSE_S = 1.0  # no frame for this long: the camera is down
STALE_TENSION_S = 0.5  # no tension sample for this long: the load cell is down
BROKER = "broker"  # the broker badge's name
STORAGE = "storage"  # the session log's badge (the gym's health has the same part)
# Results waiting this long with the broker connected show on the badge ("sending, 40
# waiting" after an outage); a rep acknowledged within it never makes the badge blink.
BACKLOG_GRACE_S = 5.0


@dataclass(frozen=True)
class BrokerState:
    """The broker as the publisher sees it: connected, results waiting for the broker's
    acknowledgement, and what is wrong in a word or two ("offline", "login refused",
    "bad settings"; "" while the first connection is still being made)."""

    connected: bool
    waiting: int = 0
    problem: str = ""


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
        self.broker: BrokerState | None = None  # None: no broker in the settings
        self.storage = PartHealth(True)  # the session log's writes
        self._backlog_since: float | None = None  # station time results began to wait

    def report(self, part: str, health: PartHealth) -> None:
        """A part's own word on its health, shown until it reports ok again."""
        self.reported[part] = health

    def report_broker(self, state: BrokerState, now: float) -> None:
        """The publisher's state at station time `now` (the wiring calls this each frame)."""
        self.broker = state
        if state.waiting <= 0:
            self._backlog_since = None
        elif self._backlog_since is None:
            self._backlog_since = now

    def report_storage(self, health: PartHealth) -> None:
        """The session log's writes: failing ("paused") or not."""
        self.storage = health

    def broker_health(self, now: float) -> PartHealth | None:
        """The broker badge's words, or None: nothing to show."""
        b = self.broker
        if b is None:
            return None
        waiting = max(0, b.waiting)
        queued = f", {waiting} waiting" if waiting else ""
        if b.connected:
            held = self._backlog_since is not None and now - self._backlog_since >= \
                BACKLOG_GRACE_S
            return PartHealth(False, f"sending{queued}") if waiting and held else None
        if not b.problem:  # the first connection is being made
            return PartHealth(False, f"connecting{queued}") if waiting else None
        return PartHealth(False, b.problem + queued)

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
        _show_when_wrong(view, {BROKER: self.broker_health(now),
                                STORAGE: None if self.storage.ok else self.storage})


def _show_when_wrong(view: KioskView, shown: dict[str, PartHealth | None]) -> None:
    """The badges shown only when something is wrong, last on the strip in `shown`'s
    order, while they have something to show (a health), else none."""
    kept = [b for b in view.badges if b.name not in shown]
    kept += [Badge(name, h.ok, h.reason) for name, h in shown.items() if h is not None]
    if kept != view.badges:
        view.badges[:] = kept


def _show(view: KioskView, part: Part, health: PartHealth) -> None:
    badge = view.badge(part)
    badge.ok, badge.reason = health.ok, health.reason
