"""The tension replay: a recorded CSV's samples, whole and paced like the live sensor."""

from __future__ import annotations

import pytest

from station.recordings.formats import save_tension_csv
from station.sim.session import simulate_set
from station.tension.filter import Health
from station.tension.replay import TensionReplay


def test_replay_gives_the_csv_samples_whole_and_paced(tmp_path):
    tension = simulate_set(seed=2, reps=2).tension
    path = tmp_path / "tension.csv"
    save_tension_csv(path, tension)
    replay = TensionReplay.from_csv(path)
    whole = list(replay.samples())
    assert len(whole) == len(tension)
    assert whole[10].force_n == pytest.approx(tension.force_n[10], abs=1e-3)

    replay.start(now=100.0)
    first = replay.poll(now=100.0 + 0.5)
    assert first and all(s.t - whole[0].t <= 0.5 for s in first)
    rest = replay.poll(now=1e9)
    assert [s.t for s in first + rest] == [s.t for s in whole]
    assert replay.status().health is Health.STALE  # finished
