"""Cards shown to the camera between sets: decoded a few times a second in a thread of their
own, off the pose path, and handed to the station's flow as who is there.

The camera thread `offer`s each frame (a reference only: the newest replaces the last, none
is copied or kept after its decode). While `armed` (the flow arms it between sets: a card
shown mid-set is not even looked for), the watcher decodes the newest frame `rate_hz` times
a second; a card of this station's roster becomes `CardShown`, any other station card a
`CardRefused` with the line to show. The same answer is not handed on again within
`repeat_s`, so a card held up for a few seconds is one event.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from station.cards.events import CardRefused, CardShown
from station.cards.reader import CardReader, CardSeen

RELOAD_S = 2.0  # an unknown card re-reads the roster at most this often (one just added)


class RosterLookup:
    """Card ids to athletes, read from the session log (reloaded when a card is unknown:
    the coach may have just added someone on the page)."""

    def __init__(self, log_path: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.log_path = log_path
        self.clock = clock
        self.station = ""
        self._cards: dict[str, tuple[int, str, bool]] = {}
        self._loaded_at = -RELOAD_S
        self.load()

    def load(self) -> None:
        from station.logbook.read import display_name, open_log, roster, station_id

        self._loaded_at = self.clock()
        try:
            db = open_log(self.log_path)
        except Exception:  # no log yet, or unreadable: no roster (guests only)
            return
        try:
            self.station = station_id(db)
            self._cards = {a["card"]: (a["id"], display_name(a), bool(a["active"]))
                           for a in roster(db, active_only=False)}
        except sqlite3.Error:
            pass
        finally:
            db.close()

    def resolve(self, seen: CardSeen, t: float) -> CardShown | CardRefused:
        if not self.station:  # the log was not there yet when the station started
            self.load()
        if seen.station != self.station:
            return CardRefused("That card is from another station", t)
        found = self._cards.get(seen.card)
        if found is None and self.clock() - self._loaded_at >= RELOAD_S:
            self.load()
            found = self._cards.get(seen.card)
        if found is None:
            return CardRefused("Card not on this station's roster", t)
        athlete_id, name, active = found
        if not active:
            return CardRefused(f"{name} is off the roster: ask the coach", t)
        return CardShown(athlete_id, name, t)


class CardWatcher:
    """The thread that decodes offered frames while armed (see the module's doc)."""

    def __init__(self, reader: CardReader, lookup: RosterLookup,
                 submit: Callable[[CardShown | CardRefused], None], rate_hz: float = 3.0,
                 repeat_s: float = 3.0) -> None:
        self.reader = reader
        self.lookup = lookup
        self.submit = submit
        self.period_s = 1.0 / rate_hz
        self.repeat_s = repeat_s
        self.armed = False
        self.decoded = 0  # frames decoded
        self.decode_s = 0.0  # time spent decoding
        self._frame: tuple[np.ndarray, float] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._last: tuple[object, float] | None = None  # the answer last handed on, and when
        self._thread = threading.Thread(target=self._run, name="cards", daemon=True)

    def start(self) -> CardWatcher:
        self._thread.start()
        return self

    def offer(self, image: np.ndarray, t: float) -> None:
        """The camera's newest frame (RGB); any frame not yet decoded is dropped."""
        if self.armed:
            with self._lock:
                self._frame = (image, t)

    def disarm(self) -> None:
        """Stop looking (a set began) and drop the frame held."""
        self.armed = False
        with self._lock:
            self._frame = None

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)

    def step(self) -> CardShown | CardRefused | None:
        """Decode the newest frame offered, if any; what was handed on (None: nothing)."""
        with self._lock:
            frame, self._frame = self._frame, None
        if frame is None or not self.armed:
            return None
        image, t = frame
        t0 = time.perf_counter()
        seen = self.reader.read(image)
        self.decode_s += time.perf_counter() - t0
        self.decoded += 1
        del image, frame  # never kept past its decode
        if seen is None:
            return None
        answer = self.lookup.resolve(seen, t)
        key = (type(answer), getattr(answer, "athlete_id", getattr(answer, "reason", "")))
        if self._last is not None and self._last[0] == key and t - self._last[1] < \
                self.repeat_s:
            return None
        self._last = (key, t)
        self.submit(answer)
        return answer

    def _run(self) -> None:
        while not self._stop.wait(self.period_s):
            try:
                self.step()
            except Exception:  # a decoder's fault must not end the thread: no card, then
                continue
