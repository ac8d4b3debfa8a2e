"""The session log: rows per set and per rep, pruning, and a writer killed mid-write."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from station.domain import Fault, RepResult
from station.errors import InputError
from station.store import SessionLog, SetEnd, StoreWriter
from tests.support import umask

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


# -- the schema's version and the outbox -----------------------------------------------------

# The log as stations wrote it before the schema kept a version (user_version 0).
V0_SCHEMA = """
CREATE TABLE sets (id INTEGER PRIMARY KEY AUTOINCREMENT, uid TEXT NOT NULL UNIQUE,
    started_at TEXT NOT NULL, athlete INTEGER, side TEXT, reps INTEGER NOT NULL DEFAULT 0,
    passed INTEGER NOT NULL DEFAULT 0, main_fault TEXT, ended TEXT, duration_s REAL);
CREATE TABLE reps (set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL, start_s REAL NOT NULL, end_s REAL NOT NULL, passed INTEGER NOT NULL,
    faults TEXT NOT NULL, cue TEXT NOT NULL, metrics TEXT NOT NULL, PRIMARY KEY (set_id, idx));
INSERT INTO sets (uid, started_at, reps, passed, side, ended, duration_s)
    VALUES ('old', '2025-06-01T09:00:00+00:00', 2, 1, 'left', 'done', 20.5);
INSERT INTO reps VALUES (1, 1, 1.0, 3.5, 1, '', 'Good', '{"hip_travel": 0.3}');
INSERT INTO reps VALUES (1, 2, 4.0, 6.5, 0, 'shallow', 'Push back', '{"hip_travel": 0.1}');
"""


class Formatter:
    """Outbox messages as a test can read them back: the set's uid and rep index."""

    def rep_message(self, set_row, rep):
        from station.store import OutboxMessage

        return OutboxMessage(f"{set_row['uid']}-{rep.index}", "t/rep",
                             f'{{"set": "{set_row["uid"]}", "index": {rep.index}}}')

    def set_message(self, set_row, reps):
        from station.store import OutboxMessage

        return OutboxMessage(set_row["uid"], "t/set",
                             f'{{"set": "{set_row["uid"]}", "reps": {len(reps)}}}')


def test_a_log_from_before_versions_is_migrated_losing_nothing(tmp_path):
    from station.store import SCHEMA_VERSION

    path = tmp_path / "old.sqlite3"
    con = sqlite3.connect(path)
    con.executescript(V0_SCHEMA)
    con.close()
    log = SessionLog(path)
    assert log.migrated_from == 0
    assert log.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    (old,) = log.sets()
    assert (old["uid"], old["reps"], old["passed"], old["side"]) == ("old", 2, 1, "left")
    assert [(r["idx"], r["faults"], r["metrics"], r["judged"]) for r in log.reps("old")] == [
        (1, [], {"hip_travel": 0.3}, 1), (2, ["shallow"], {"hip_travel": 0.1}, 1)]
    assert log.outbox_length() == 0  # the outbox is there, and empty
    log.close()
    again = SessionLog(path)
    assert again.migrated_from == SCHEMA_VERSION and len(again.sets()) == 1
    assert again.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again.close()


def test_a_migration_that_fails_leaves_the_old_version_whole(tmp_path, monkeypatch):
    import station.store as store

    path = tmp_path / "old.sqlite3"
    con = sqlite3.connect(path)
    con.executescript(V0_SCHEMA)
    con.close()
    broken = store.OUTBOX + "\nINSERT INTO no_such_table VALUES (1);\n"
    monkeypatch.setattr(store, "MIGRATIONS", (store.SCHEMA, broken, store.JUDGED))
    monkeypatch.setattr(store, "SCHEMA_VERSION", 3)
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        SessionLog(path)
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1  # step 1 done, step 2 not
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "outbox" not in tables and {"sets", "reps"} <= tables
    assert con.execute("SELECT COUNT(*) FROM reps").fetchone()[0] == 2
    con.close()


def test_each_rep_and_set_joins_the_outbox_with_its_rows_and_goes_in_order(tmp_path):
    log = SessionLog(tmp_path / "s.sqlite3", outbox=Formatter())
    log.begin_set("a", "2026-01-01T10:00:00+00:00")
    log.add_rep("a", rep(1))
    log.add_rep("a", rep(2))
    log.end_set("a", SetEnd("left", None, "done", 9.0))
    pending = log.pending()
    assert [m.msg_id for m in pending] == ["a-1", "a-2", "a"]
    assert pending[2].payload == '{"set": "a", "reps": 2}'
    assert log.outbox_length() == 3
    log.mark_sent([pending[0].seq])
    assert [m.msg_id for m in log.pending()] == ["a-2", "a"]
    assert [m.msg_id for m in log.pending(after=pending[1].seq)] == ["a"]
    assert log.outbox_length() == 2
    log.add_rep("a", rep(2))  # the same rep again is not queued twice
    assert log.outbox_length() == 2
    log.close()


def test_the_outbox_is_pruned_past_its_limits_oldest_first(tmp_path, monkeypatch):
    import station.store as store

    monkeypatch.setattr(store, "SENT_KEPT", 2)
    log = SessionLog(tmp_path / "s.sqlite3", outbox=Formatter(), outbox_max=3)
    log.begin_set("a", "t")
    for i in range(1, 9):
        log.add_rep("a", rep(i))
    log.mark_sent([m.seq for m in log.pending()[:4]])  # a-1 .. a-4 acknowledged
    log.end_set("a", SetEnd(None, None, "done", 1.0))  # adds "a", then prunes
    rows = log.outbox_rows()
    assert [r["msg_id"] for r in rows if r["sent_at"]] == ["a-3", "a-4"]
    assert [r["msg_id"] for r in rows if not r["sent_at"]] == ["a-7", "a-8", "a"]
    log.close()


def test_the_writer_wakes_the_publisher_after_each_outbox_commit(tmp_path):
    woken: list[int] = []
    w = StoreWriter(tmp_path / "s.sqlite3", 100, outbox=Formatter(),
                    on_outbox=lambda: woken.append(1))
    w.begin_set("x", "t")
    w.add_rep("x", rep(1))
    w.end_set("x", SetEnd("left", None, "done", 3.0))
    assert w.flush()
    w.close()
    assert len(woken) == 2
    log = SessionLog(tmp_path / "s.sqlite3")
    assert [m.msg_id for m in log.pending()] == ["x-1", "x"]
    log.close()


def test_a_rep_without_a_verdict_is_logged_as_such(tmp_path):
    from station.domain import RepResult

    log = SessionLog(tmp_path / "s.sqlite3")
    log.begin_set("a", "2026-01-01T00:00:00Z")
    log.add_rep("a", RepResult(1, 0.0, 2.0, (), "Stand tall", {"hip_travel": 0.2}))
    log.add_rep("a", RepResult(2, 3.0, 5.0, (), "Turn side-on to the camera", {},
                               judged=False, reason="the camera did not see the athlete"))
    assert [(r["passed"], r["judged"]) for r in log.reps("a")] == [(1, 1), (0, 0)]
    (row,) = log.sets()
    assert (row["reps"], row["passed"]) == (2, 1)
    log.close()


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
    with umask(0o022):
        writer = StoreWriter(db, 10)
        assert writer.flush()
    notice = writer.take_notice()
    writer.close()
    (export,) = tmp_path.glob("s.sqlite3.pruned-*.jsonl")
    assert stat.S_IMODE(export.stat().st_mode) == 0o644  # not mkstemp's 0600
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


KIOSK = """
import sys
from pathlib import Path
from station.domain import RepResult
from station.store import SessionLog, SetEnd, WriterLock
lock = WriterLock(Path(sys.argv[1]))
log = SessionLog(sys.argv[1])
log.begin_set("done", "t")
log.end_set("done", SetEnd("left", None, "done", 1.0))
log.begin_set("live", "t")
log.add_rep("live", RepResult(1, 1.0, 2.0, (), "cue", {"hip_travel": 0.2}))
print("in a set", flush=True)
sys.stdin.readline()
"""


def test_a_second_writer_is_refused_and_leaves_the_set_in_progress_open(tmp_path):
    """`station demo --log` beside a running kiosk took the kiosk's set in progress for one
    a kill left open, and closed it as interrupted."""
    db = tmp_path / "s.sqlite3"
    kiosk = subprocess.Popen([sys.executable, "-c", KIOSK, str(db)], stdout=subprocess.PIPE,
                             stdin=subprocess.PIPE, text=True, cwd=REPO,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    assert kiosk.stdout is not None
    assert kiosk.stdout.readline() == "in a set\n"
    with pytest.raises(InputError) as err:
        StoreWriter(db, 100)
    assert str(err.value) == (f"{db}: another station process (pid {kiosk.pid}) writes this "
                              "session log; stop it first (the kiosk: sudo systemctl stop "
                              "station)")
    reader = SessionLog(db)
    assert {s["uid"]: s["ended"] for s in reader.sets()} == {"done": "done", "live": None}
    reader.close()
    os.kill(kiosk.pid, signal.SIGKILL)
    kiosk.communicate()
    writer = StoreWriter(db, 100)  # the kernel let the killed writer's lock go
    assert writer.flush()
    assert writer.take_notice() == "Log: 1 set left open by a stop closed as interrupted"
    writer.close()
    again = StoreWriter(db, 100)  # and a closed writer lets go of it
    again.close()
