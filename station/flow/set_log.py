"""Each set's rows in the session log: the set's row at its first scored rep, a row for
every rep as it is scored, and the set's summary when it ends. A set with no scored rep
leaves no row. The log's writer thread does the writing (`station.store`); this only
queues it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from station.domain import Fault, RepResult, Side
from station.flow.summary import SetEnding
from station.store import SetEnd, StoreWriter


class SetLog:
    """The current set's place in the session log (`store` None: nothing is logged)."""

    def __init__(self, store: StoreWriter | None) -> None:
        self.store = store
        self.uid: str | None = None  # the current set's id in the log
        self.logged = False  # its row has been written (at its first scored rep)
        self.started = 0.0  # station time the set's setup began
        self._dropped = 0  # writes lost so far, as last said on screen

    def start(self, now: float) -> None:
        """A new set begins (its row waits for its first scored rep)."""
        self.uid = uuid.uuid4().hex
        self.logged = False
        self.started = now

    def forget(self) -> None:
        """No set in progress."""
        self.uid = None
        self.logged = False

    def add_rep(self, rep: RepResult, athlete: int | None,
                athlete_id: int | None = None) -> None:
        """A scored rep (`athlete`: class mode's athlete number, None outside class mode;
        `athlete_id`: the roster's athlete whose card was shown, None for a guest)."""
        if self.store is None or self.uid is None:
            return
        if not self.logged:
            started = datetime.now(UTC).isoformat(timespec="seconds")
            self.store.begin_set(self.uid, started, athlete, athlete_id)
            self.logged = True
        self.store.add_rep(self.uid, rep)

    def end(self, now: float, side: Side | None, main_fault: Fault | None,
            ending: SetEnding) -> None:
        """The set's summary on its row, if it has one."""
        if self.store is None or self.uid is None or not self.logged:
            return
        self.store.end_set(self.uid, SetEnd(
            side.value if side else None, main_fault.value if main_fault else None,
            ending.value, now - self.started))

    def notice(self) -> str | None:
        """News from the log for the screen (old sets saved and pruned), or None."""
        return self.store.take_notice() if self.store is not None else None

    def answer(self, request_id: int, result: str) -> None:
        """What came of a coach page's request, for the page."""
        if self.store is not None:
            self.store.answer_request(request_id, result)

    @property
    def paused(self) -> bool:
        """The log's writes are failing now (a full or gone disk)."""
        return self.store is not None and not self.store.ok

    def trouble(self) -> str | None:
        """What to say on screen when the log is failing or lost a write since the last
        look (even when the next write already worked: the writer thread may fail and
        recover between two frames); None while all is well."""
        store = self.store
        if store is None or (store.ok and store.dropped == self._dropped):
            return None
        self._dropped = store.dropped
        return store.reason or store.last_error
