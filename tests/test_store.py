"""The session log: rows per set and per rep, pruning, and a writer killed mid-write."""

from __future__ import annotations

import json
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


# -- issue 23: pruning is announced and saves the sets first; no set stays open -------------

def _sets(path: Path, n: int, max_sets: int = 10000) -> None:
    log = SessionLog(path, max_sets=max_sets)
    for k in range(n):
        log.begin_set(f"s{k}", f"2026-01-01T10:{k:02d}:00+00:00")
        for i in range(1, k % 4 + 2):
            log.add_rep(f"s{k}", rep(i, [Fault.SHALLOW] if i == 2 else []))
        log.end_set(f"s{k}", SetEnd("left", None, "done", 20.0))
    log.close()


def test_lowering_max_sets_saves_the_pruned_sets_first_and_says_so(tmp_path, caplog):
    """Lowering [store] max_sets used to delete the oldest sets at the next start (16 -> 10
    sets, 61 -> 38 reps) without a word."""
    db = tmp_path / "s.sqlite3"
    _sets(db, 16)
    with sqlite3.connect(db) as con:
        before = {uid: n for uid, n in con.execute("SELECT uid, reps FROM sets")}
    caplog.set_level("WARNING", logger="station.store")
    writer = StoreWriter(db, 10)
    assert writer.flush()
    notice = writer.take_notice()
    writer.close()
    (export,) = tmp_path.glob("s.sqlite3.pruned-*.jsonl")
    pruned = [json.loads(line) for line in export.read_text().splitlines()]
    assert [s["uid"] for s in pruned] == [f"s{k}" for k in range(6)]
    assert [len(s["rep_rows"]) for s in pruned] == [before[f"s{k}"] for k in range(6)]
    assert pruned[1]["rep_rows"][1]["faults"] == ["shallow"]
    reps_saved = sum(before[f"s{k}"] for k in range(6))
    assert notice == (f"Log full: 6 oldest sets ({reps_saved} reps) saved to {export.name}, "
                      "then pruned")
    (journal,) = [r.getMessage() for r in caplog.records]
    assert journal == (f"{db}: 6 oldest sets ({reps_saved} reps) past [store] max_sets = 10 "
                       f"saved to {export}, then pruned from the log")
    log = SessionLog(db)
    assert [s["uid"] for s in log.sets()] == [f"s{k}" for k in range(6, 16)]
    log.close()


def test_sets_that_cannot_be_saved_first_are_kept(tmp_path, monkeypatch):
    db = tmp_path / "s.sqlite3"
    _sets(db, 12)

    def disk_full(self, ids):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(SessionLog, "_export", disk_full)
    log = SessionLog(db, max_sets=10)
    assert log.prune() == 0 and log.pruned is None
    assert len(log.sets()) == 12
    log.close()


def test_a_set_left_open_by_a_kill_is_closed_at_the_next_start(tmp_path):
    """A set cut by a kill used to stay in the log with `ended` NULL for ever."""
    db = tmp_path / "s.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db), "k"],
                            stdout=subprocess.PIPE, text=True, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("rep k-1 4"):  # the second set is half done
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    writer = StoreWriter(db, 100)
    assert writer.flush()
    assert writer.take_notice() == "Log: 1 set left open by a stop closed as interrupted"
    writer.close()
    log = SessionLog(db)
    first, second = log.sets()[:2]
    assert first["ended"] == "done"
    assert second["ended"] == "interrupted" and second["reps"] >= 4
    reps = log.reps("k-1")
    assert second["duration_s"] == reps[-1]["end_s"] - reps[0]["start_s"]
    assert not [s for s in log.sets() if s["ended"] is None]
    log.close()


def test_a_reader_of_the_log_closes_nothing(tmp_path):
    """Only the writer closes open sets: a SessionLog opened to read (a report, `station
    log`) leaves the running station's set open."""
    db = tmp_path / "s.sqlite3"
    log = SessionLog(db)
    log.begin_set("open", "t")
    log.close()
    reader = SessionLog(db)
    assert reader.sets()[0]["ended"] is None
    reader.close()
