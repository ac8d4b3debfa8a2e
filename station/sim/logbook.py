"""A session log filled with a class's worth of simulated sets: for the coach page's tests,
screenshots and benchmark (10,000 sets answer as fast as a handful?)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from station.logbook.read import open_log
from station.logbook.roster import RosterLine, import_roster
from station.store import SessionLog, SetEnd

NAMES = ("Sam Jones", "Alex Kim", "Priya Shah", "Tom Berg", "Lena Novak", "Omar Haddad",
         "Mia Rossi", "Jonas Weber", "Ana Silva", "Chen Wei", "Grace Obi", "Luca Bianchi",
         "Nora Lind", "Ivan Petrov", "Zoe Martin", "Ravi Patel", "Elif Demir", "Kai Muller",
         "Sara Costa", "Ben Cohen")
FAULTS = ("hips_stopped", "knee_bend", "stick_contact", "shallow", "band_slack")


@dataclass(frozen=True)
class FakeRep:
    """A rep as the log takes it (the fields of domain.RepResult the log reads)."""

    index: int
    start: float
    end: float
    passed: bool
    faults: tuple
    cue: str
    metrics: dict
    judged: bool = True


@dataclass(frozen=True)
class _Fault:
    value: str


def fill_log(path: Path, sets: int, athletes: int = 12, days: int = 30, seed: int = 1,
             end: datetime | None = None) -> list[dict]:
    """Write `sets` finished sets of `athletes` roster athletes (and some guests) over the
    last `days` days, each athlete improving over the days; returns the roster."""
    rng = random.Random(seed)
    log = SessionLog(path, max_sets=max(sets, 10))
    log.db.execute("PRAGMA synchronous=OFF")  # a fixture: speed over durability
    db = open_log(path, write=True)
    people = import_roster(db, [RosterLine(n, n.split()[0] if i % 3 == 0 else "")
                                for i, n in enumerate(NAMES[:athletes])], "sim")
    db.close()
    end = end or datetime.now(UTC)
    start = end - timedelta(days=days)
    times = sorted(start + (end - start) * rng.random() for _ in range(sets))
    for t in times:
        person = rng.choice(people + [None])
        progress = (t - start) / (end - start)
        skill = 0.35 + 0.5 * progress + (0.1 * (person["id"] % 3) if person else 0.0)
        uid = uuid.UUID(int=rng.getrandbits(128)).hex
        log.begin_set(uid, t.isoformat(timespec="seconds"), None,
                      person["id"] if person else None)
        habit = FAULTS[(person["id"] if person else 0) % 4]
        seen: list[str] = []
        for i in range(1, rng.randint(5, 10) + 1):
            ok = rng.random() < skill
            faults = () if ok else (_Fault(habit if rng.random() < 0.7 else
                                           rng.choice(FAULTS)),)
            seen += [f.value for f in faults]
            log.add_rep(uid, FakeRep(i, 3.0 * i, 3.0 * i + 2.4, ok, faults,
                                     "Good hinge. Same again." if ok else "Push your hips back",
                                     {"hip_travel": round(0.12 + 0.2 * skill +
                                                          rng.gauss(0, 0.02), 3),
                                      "trunk_deg": 60.0, "knee_deg": 22.0}))
        main = max(FAULTS, key=seen.count) if seen else None
        log.end_set(uid, SetEnd(rng.choice(("left", "right")), main, "done", 30.0))
    log.close()
    return people
