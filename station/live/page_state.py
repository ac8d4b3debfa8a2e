"""The kiosk's state for the coach page, written to the session log as it changes.

`PagePublisher.publish(flow)` runs after every screen frame: it builds a small dict of what
the page shows (the screen, who is on, the rep count and passes, the set's id for its
verdicts, each part's badge, the buzzer and class mode) and hands it to the log's writer
thread when anything in it changed (at most every `MIN_INTERVAL_S`, so a flapping badge
cannot flood the disk), and every `HEARTBEAT_S` even when nothing did, so the page can tell
the kiosk runs. Nothing here waits for the disk; no image and no landmark is ever written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from station.flow.flow import StationFlow
from station.flow.view import Screen
from station.store import StoreWriter

HEARTBEAT_S = 5.0
MIN_INTERVAL_S = 0.2


def page_state(flow: StationFlow, last_uid: str | None = None) -> dict[str, Any]:
    """What the page shows of the kiosk now (`last_uid`: the set the summary is about)."""
    v = flow.view
    summary = v.screen is Screen.SUMMARY
    athlete = flow.athlete_on
    uid = flow.set_log.uid if flow.set_log.logged else None
    reps, passed = v.counts
    return {
        "screen": v.screen.value,
        "athlete": {"id": athlete.id, "name": athlete.name} if athlete else None,
        "set_uid": last_uid if summary else uid,
        "reps": reps,
        "passed": passed,
        "badges": [{"name": b.name, "ok": b.ok, "reason": b.reason} for b in v.badges],
        "muted": bool(flow.buzzer.muted),
        "class_mode_s": flow.class_mode.rotation_s,
        "class_athlete": flow.class_mode.athlete if flow.class_mode.on else None,
        "rotation_left_s": None if v.rotation_left_s is None else round(v.rotation_left_s),
    }


class PagePublisher:
    """Writes `page_state` through the log's writer when it changes (see the module's doc)."""

    def __init__(self, store: StoreWriter, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self.clock = clock
        self.wall = wall
        self.written = 0
        self._last: dict[str, Any] | None = None
        self._sent_at = -HEARTBEAT_S
        self._uid: str | None = None

    def publish(self, flow: StationFlow) -> bool:
        """Hand the state to the writer if it is due; True when it was."""
        if flow.set_log.logged and flow.set_log.uid is not None:
            self._uid = flow.set_log.uid
        state = page_state(flow, self._uid)
        now = self.clock()
        seen = {k: v for k, v in state.items() if k != "rotation_left_s"}
        since = now - self._sent_at
        if since < MIN_INTERVAL_S or (seen == self._last and since < HEARTBEAT_S):
            return False
        self.store.set_live(self.wall().isoformat(timespec="milliseconds"), state)
        self._last, self._sent_at = seen, now
        self.written += 1
        return True
