"""Soak: the station on the simulated athlete for 1.5 simulated hours, fast-forwarded.

Flow, coach, buzzer (gpiozero mock pins), session log (SQLite, its own thread) and screen
(rendered off-screen once a simulated second) run as they do live. After the first 20% (warm-up)
the resident memory must stay within 5%, every thread must still be running, and every set
and every rep the coach scored must be in the log. `bench/soak.py --hours 8` prints the same
figures over a longer run.
"""

from __future__ import annotations

from bench.soak import run_soak


def test_hours_of_sets_flat_memory_no_thread_lost_every_set_logged(tmp_path) -> None:
    # 1.5 simulated hours: about a minute here (90x real time), under two on a busy machine.
    result = run_soak(1.5, tmp_path / "soak.sqlite3", pool_size=3)
    print("\n".join(result.lines()))
    assert result.simulated_s >= 1.5 * 3600
    assert result.sets_started >= 75  # about one athlete a minute
    # Memory: resident size after warm-up grows under 5%.
    assert result.rss_growth < 0.05, result.lines()
    # No thread died: the log writer and the buzzer's player are still there.
    assert {"store", "buzzer"} <= result.threads_at_end
    assert result.threads_at_end == result.threads_after_warm_up
    # Every set reached the log, with every rep the coach scored.
    assert result.store_reason == ""
    assert result.sets_logged == result.sets_started
    assert result.reps_logged == result.reps_scored > 0
    assert result.reps_per_set_ok
