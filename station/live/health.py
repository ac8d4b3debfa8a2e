"""How the live station judges each part's health, and tells it.

Every frame each part's health goes to its badge; each change of it goes to the journal
once. A part is judged from what it says of itself: the camera thread's status, the pose
worker's count of skipped frames, the load cell's own status (and how long it has stayed
healthy: its samples reach the coach only once it is trusted).
"""

from __future__ import annotations

import logging

from station.flow.view import Part, PartHealth
from station.hardware.reconnect import CameraStatus
from station.pose.pipeline import PoseWorker
from station.tension.filter import Health as TensionHealth
from station.tension.filter import TensionStatus

log = logging.getLogger("station")

POSE_SKIP_SHOWN_S = 2.0  # how long a skipped frame keeps the pose badge amber
TENSION_TRUST_AFTER_S = 1.0  # healthy this long before its samples reach the coach again


class HealthJournal:
    """Each part's last health; a change is written to the journal once."""

    def __init__(self) -> None:
        self.last: dict[Part, PartHealth] = {}

    def note(self, part: Part, health: PartHealth) -> None:
        if self.last.get(part) == health:
            return
        if health.ok:
            log.info("%s: ok", part)
        else:
            extra = ": coaching on the camera alone" if part is Part.LOAD_CELL else ""
            log.warning("%s: %s%s", part, health.reason, extra)
        self.last[part] = health

    def down(self) -> list[str]:
        """The parts that are down, "part: reason" each (systemd's STATUS= line)."""
        return [f"{part}: {h.reason}" for part, h in self.last.items() if not h.ok]


def camera_health(status: CameraStatus) -> PartHealth:
    """The camera badge: the thread's status, its reason cut short ("lost: retry in 4 s";
    the journal has the error itself)."""
    if status.ok:
        return PartHealth(True)
    reason = status.reason.split(" (", 1)[0].replace("retrying in", "retry in")
    return PartHealth(False, reason)


class SkippedFrames:
    """The pose badge: amber for `POSE_SKIP_SHOWN_S` after a frame pose could not be found
    for (the pose worker skips that frame only); the journal names the last error."""

    def __init__(self) -> None:
        self.seen = 0  # skipped frames already told
        self.shown_until = 0.0

    def health(self, worker: PoseWorker, now: float) -> PartHealth:
        skipped = worker.skipped
        if skipped > self.seen:
            log.warning("pose: %d frame%s skipped so far, the last one: %s: %s", skipped,
                        "s" * (skipped > 1), type(worker.last_skip).__name__, worker.last_skip)
            self.seen = skipped
            self.shown_until = now + POSE_SKIP_SHOWN_S
        if now < self.shown_until:
            return PartHealth(False, "frames skipped")
        return PartHealth(True)


class LoadCellTrust:
    """Whether the load cell's samples may reach the coach: only once it has stayed healthy
    and calibrated for `TENSION_TRUST_AFTER_S`. A load cell that flaps between noisy and ok
    would otherwise put noise into the coach and flicker the badge."""

    def __init__(self) -> None:
        self.ok_since: float | None = None

    def update(self, status: TensionStatus, now: float) -> bool:
        """Take in the load cell's status at `now`; True while it is trusted."""
        if status.health is TensionHealth.OK and status.calibrated:
            if self.ok_since is None:
                self.ok_since = now
        else:
            self.ok_since = None
        return self.ok_since is not None and now - self.ok_since >= TENSION_TRUST_AFTER_S


def load_cell_health(status: TensionStatus, trusted: bool) -> PartHealth:
    """The load-cell badge: ok once trusted, else why not ("not calibrated", "settling",
    "noisy", "disconnected" ...)."""
    if trusted:
        return PartHealth(True)
    if not status.calibrated and status.health is not TensionHealth.DISCONNECTED:
        return PartHealth(False, "not calibrated")
    if status.health is TensionHealth.OK:
        return PartHealth(False, "settling")
    return PartHealth(False, status.health.value)
