"""The session log: rows per set and per rep, pruning, and a writer killed mid-write."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from station.domain import Fault, RepResult
from station.store import SessionLog, SetEnd, StoreWriter

REPO = Path(__file__).resolve().parents[1]


def rep(i: int, faults=()) -> RepResult:
    return RepResult(i, float(i), i + 2.5, tuple(faults), "cue",
                     {"hip_travel": 0.25 + i / 100, "trunk_deg": 60.0})


def test_one_row_per_set_and_per_rep(tmp_path):
    log = SessionLog(tmp_path / "s.sqlite3")
    log.begin_set("a", "2026-01-01T10:00:00+00:00", athlete=3)
    log.add_rep("a", rep(1))
    log.add_rep("a", rep(2, [Fault.HIPS_STOPPED, Fault.KNEE_BEND]))
    log.end_set("a", SetEnd("right", "hips_stopped", "done", 31.5))
    (row,) = log.sets()
    assert (row["reps"], row["passed"], row["athlete"], row["side"]) == (2, 1, 3, "right")
    assert row["main_fault"] == "hips_stopped" and row["ended"] == "done"
    reps = log.reps("a")
    assert [r["idx"] for r in reps] == [1, 2]
    assert reps[1]["faults"] == ["hips_stopped", "knee_bend"] and reps[1]["passed"] == 0
    assert reps[0]["metrics"] == {"hip_travel": 0.26, "trunk_deg": 60.0}
    assert log.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    log.close()


def test_old_sets_are_pruned_with_their_reps(tmp_path):
    log = SessionLog(tmp_path / "s.sqlite3", max_sets=3)
    for k in range(5):
        log.begin_set(f"s{k}", "t")
        log.add_rep(f"s{k}", rep(1))
        log.end_set(f"s{k}", SetEnd(None, None, "done", 1.0))
    assert [s["uid"] for s in log.sets()] == ["s2", "s3", "s4"]
    assert log.db.execute("SELECT COUNT(*) FROM reps").fetchone()[0] == 3
    log.close()


def test_writer_thread_writes_everything_queued(tmp_path):
    w = StoreWriter(tmp_path / "s.sqlite3", 100)
    w.begin_set("x", "t")
    for i in range(1, 6):
        w.add_rep("x", rep(i))
    w.end_set("x", SetEnd("left", None, "done", 12.0))
    assert w.flush()
    w.close()
    log = SessionLog(tmp_path / "s.sqlite3")
    assert log.sets()[0]["reps"] == 5 and len(log.reps("x")) == 5
    log.close()


def test_a_log_that_cannot_be_written_pauses_instead_of_crashing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    w = StoreWriter(blocker / "s.sqlite3", 100)  # its folder is a file: cannot be created
    w.begin_set("x", "t")
    w.add_rep("x", rep(1))
    assert w.flush()
    assert not w.ok and "log paused" in w.reason
    w.close()


WRITER = """
import sys
from station.store import SessionLog, SetEnd
from station.domain import RepResult, Fault
log = SessionLog(sys.argv[1])
k = 0
while True:
    uid = f"{sys.argv[2]}-{k}"
    log.begin_set(uid, "t")
    print(f"set {uid}", flush=True)
    for i in range(1, 11):
        log.add_rep(uid, RepResult(i, i, i + 1.0, (Fault.SHALLOW,) if i % 3 else (), "cue",
                                   {"hip_travel": 0.2}))
        print(f"rep {uid} {i}", flush=True)
    log.end_set(uid, SetEnd("left", None, "done", 10.0))
    k += 1
"""


def test_killing_the_writer_mid_write_loses_nothing_committed(tmp_path):
    """SIGKILL the writer while it writes as fast as it can, three times over on the same
    database: every commit it reported is there afterwards, and the database is intact."""
    db = tmp_path / "s.sqlite3"
    acked: list[str] = []
    for round_, stop_after in enumerate((37, 137, 251)):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), f"r{round_}"], stdout=subprocess.PIPE,
            text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
        assert proc.stdout is not None
        for n, line in enumerate(proc.stdout, start=1):
            acked.append(line.split(maxsplit=1)[1].strip())
            if n >= stop_after:  # the writer is already busy with its next commit
                break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reps = {f"{uid} {idx}" for uid, idx in con.execute(
        "SELECT sets.uid, reps.idx FROM reps JOIN sets ON sets.id = reps.set_id")}
    sets = {r[0] for r in con.execute("SELECT uid FROM sets")}
    assert len(acked) == 37 + 137 + 251
    for a in acked:
        if " " in a:
            assert a in reps, f"committed rep {a} lost"
        else:
            assert a in sets, f"committed set {a} lost"
    con.close()


def test_writes_lost_to_a_failing_disk_are_counted_and_their_reason_kept(tmp_path):
    from station.store import StoreWriter

    (tmp_path / "a file").write_text("not a folder")
    writer = StoreWriter(tmp_path / "a file" / "log.sqlite3", 10)
    try:
        writer.begin_set("a", "2026-01-01T00:00:00")
        writer.begin_set("b", "2026-01-01T00:01:00")  # neither reaches the unopenable log
        assert writer.flush()
        assert writer.dropped == 2
        assert not writer.ok and writer.last_error.startswith("log paused (")
    finally:
        writer.close()
