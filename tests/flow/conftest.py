"""What the flow's tests share: one simulated athlete's set of four reps of known kinds."""

from __future__ import annotations

import pytest

from station.sim.athlete import RepKind
from station.sim.session import SimulatedSet, simulate_set

KINDS = [RepKind.GOOD, RepKind.SQUAT, RepKind.GOOD, RepKind.SHALLOW]


@pytest.fixture(scope="package")
def kinds() -> list[RepKind]:
    """The kinds of the set's reps, in order."""
    return list(KINDS)


@pytest.fixture(scope="package")
def sim(kinds: list[RepKind]) -> SimulatedSet:
    """Athlete 7 doing a good rep, a squat, a good rep and a shallow one."""
    return simulate_set(7, kinds=kinds)
