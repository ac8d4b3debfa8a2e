"""Soak: the station on the simulated athlete for 1.5 simulated hours, fast-forwarded.

Flow, coach, buzzer (gpiozero mock pins), session log (SQLite, its own thread) and screen
(rendered off-screen once a simulated second) run as they do live, in a process of their own
(`bench.soak`) so that its memory is the station's alone. After the first 20% (warm-up)
the resident memory must stay within 5%, every thread must still be running, and every set
and every rep the coach scored must be in the log. `python -m bench.soak --hours 8` prints the same
figures over a longer run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_hours_of_sets_flat_memory_no_thread_lost_every_set_logged() -> None:
    # 1.5 simulated hours: about a minute here (90x real time), under two on a busy machine.
    out = subprocess.run([sys.executable, str(REPO / "bench" / "soak.py"), "--hours", "1.5",
                          "--pool", "3", "--json"], cwd=REPO, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    print("\n".join(r["lines"]))
    assert r["simulated_s"] >= 1.5 * 3600
    assert r["sets_started"] >= 75  # about one athlete a minute
    # Memory: resident size after warm-up grows under 5%.
    assert r["rss_growth"] < 0.05, r["lines"]
    # No thread died: the log writer and the buzzer's player are still there.
    assert {"store", "buzzer"} <= set(r["threads_at_end"])
    assert r["threads_at_end"] == r["threads_after_warm_up"]
    # Every set reached the log, with every rep the coach scored.
    assert r["store_reason"] == ""
    assert r["sets_logged"] == r["sets_started"]
    assert r["reps_logged"] == r["reps_scored"] > 0
    assert r["reps_per_set_ok"]
