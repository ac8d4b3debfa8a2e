"""Band tension from a recording: the samples of a `t,force_n` CSV, whole or paced.

`TensionReplay` is the `TensionSource` of a recorded set: it gives the file's samples as the
live sensor would, as their time comes, and its status says when the recording is over.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from station.domain import TensionSample, TensionStream
from station.recordings.formats import load_tension_csv
from station.tension.filter import Health, TensionStatus


class TensionReplay:
    """Tension samples from a recorded CSV (`t,force_n`), whole or paced like the live sensor.

    `samples()` gives them all; after `start(now)`, `poll(now)` gives those whose time (taken
    from the file's first sample) has come. Times keep the file's own clock.
    """

    def __init__(self, stream: TensionStream) -> None:
        self._stream = stream
        self._next = 0
        self._shift: float | None = None

    @classmethod
    def from_csv(cls, path: str | Path) -> TensionReplay:
        return cls(load_tension_csv(path))

    def samples(self) -> Iterator[TensionSample]:
        return self._stream.samples()

    def start(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        first = float(self._stream.t[0]) if len(self._stream) else 0.0
        self._shift = first - now
        self._next = 0

    def poll(self, now: float | None = None) -> list[TensionSample]:
        if self._shift is None:
            self.start(now)
        cursor = (time.monotonic() if now is None else now) + self._shift
        t = self._stream.t
        end = int(np.searchsorted(t, cursor, side="right"))
        out = [TensionSample(float(t[i]), float(self._stream.force_n[i]))
               for i in range(self._next, end)]
        self._next = max(self._next, end)
        return out

    def status(self, now: float | None = None) -> TensionStatus:
        done = self._next >= len(self._stream)
        last = float(self._stream.t[self._next - 1]) if self._next else None
        return TensionStatus(Health.STALE if done else Health.OK,
                             "replay finished" if done else "replaying a recording", True,
                             0.0, 0.0, 0.0, 0, last, {"ok": self._next})

    def set_present(self, present: bool) -> None:
        """A recording is never re-tared: whether someone is in view changes nothing."""

    def stop(self) -> None:
        pass
