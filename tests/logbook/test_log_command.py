"""`station log`: list, filter, show one set, export CSV and JSON equal to the database."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from station.cli import main
from station.logbook.read import open_log
from station.logbook.roster import RosterLine, import_roster
from station.sim.logbook import FakeRep, _Fault
from station.store import SessionLog, SetEnd


@pytest.fixture
def config(tmp_path):
    """A log with three sets: Sam today, Alex today, a guest ten days ago."""
    path = tmp_path / "sessions.sqlite3"
    log = SessionLog(path)
    db = open_log(path, write=True)
    sam, alex = import_roster(db, [RosterLine("Sam Jones", "Sam"), RosterLine("Alex Kim")],
                              "t")
    now = datetime.now(UTC)
    for uid, who, when, faults in (
            ("a1" * 16, None, now - timedelta(days=10), ["shallow", "shallow", ""]),
            ("b2" * 16, sam["id"], now - timedelta(minutes=5), ["", "knee_bend", ""]),
            ("c3" * 16, alex["id"], now, ["hips_stopped", "", "", ""])):
        log.begin_set(uid, when.isoformat(timespec="seconds"), None, who)
        for i, f in enumerate(faults, start=1):
            log.add_rep(uid, FakeRep(i, i, i + 2.0, not f, (_Fault(f),) if f else (),
                                     "cue " + (f or "good"), {"hip_travel": 0.2 + i / 100}))
        log.end_set(uid, SetEnd("left", next((f for f in faults if f), None), "done", 20.0))
    log.close()
    toml = tmp_path / "station.toml"
    toml.write_text('[store]\npath = "sessions.sqlite3"\n')
    return ["--config", str(toml)], path


def run(capsys, *args):
    status = main(["log", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_the_list_newest_first(config, capsys):
    args, _ = config
    status, out, _ = run(capsys, *args)
    lines = out.splitlines()
    assert status == 0 and lines[0].split()[:3] == ["set", "started", "athlete"]
    assert [ln.split()[0] for ln in lines[1:]] == ["c3c3c3c3", "b2b2b2b2", "a1a1a1a1"]
    assert lines[1].split()[3:] == ["Alex", "Kim", "4", "3", "hips_stopped"]
    assert lines[2].split()[3:] == ["Sam", "3", "2", "knee_bend"]
    assert lines[3].split()[3:] == ["guest", "3", "1", "shallow"]


def test_filters_by_athlete_and_since(config, capsys):
    args, _ = config
    for who in ("Sam", "sam jones", "1"):
        _, out, _ = run(capsys, *args, "--athlete", who)
        assert [ln.split()[0] for ln in out.splitlines()[1:]] == ["b2b2b2b2"]
    _, out, _ = run(capsys, *args, "--since", "7d")
    assert [ln.split()[0] for ln in out.splitlines()[1:]] == ["c3c3c3c3", "b2b2b2b2"]
    _, out, _ = run(capsys, *args, "--since", "today", "--athlete", "Alex Kim")
    assert [ln.split()[0] for ln in out.splitlines()[1:]] == ["c3c3c3c3"]


def test_show_one_set(config, capsys):
    args, _ = config
    _, out, _ = run(capsys, *args, "b2b2")
    lines = out.splitlines()
    assert lines[0].startswith(f"set {'b2' * 16}") and "Sam" in lines[0]
    assert lines[1].startswith("2 of 3 passed; main fault knee_bend; ended: done")
    assert [ln.split()[:2] for ln in lines[3:]] == [["1", "PASS"], ["2", "FAIL"],
                                                    ["3", "PASS"]]


def test_a_set_left_open_says_what_interrupted_means(config, capsys):
    """A set a power cut left open is closed as "interrupted" at the next start; shown, it
    says what that means, and the exports keep the log's own value."""
    args, path = config
    log = SessionLog(path)
    log.begin_set("d4" * 16, datetime.now(UTC).isoformat(timespec="seconds"), None, None)
    log.add_rep("d4" * 16, FakeRep(1, 1, 3.5, True, (), "cue good", {}))
    assert log.close_open_sets() == 1
    log.close()
    _, out, _ = run(capsys, *args, "d4d4")
    assert out.splitlines()[1] == (
        "1 of 1 passed; main fault none; ended: interrupted (the station stopped before "
        "closing it: a power cut, a crash or a kill) after 2 s")
    _, out, _ = run(capsys, *args, "--json")
    assert [s["ended"] for s in json.loads(out) if s["uid"] == "d4" * 16] == ["interrupted"]


def test_a_class_mode_set_is_the_same_athlete_listed_and_shown(config, capsys):
    """`station log` listed a class-mode set as "class #1", `station log <id>` showed the
    same set as "guest"."""
    args, path = config
    log = SessionLog(path)
    log.begin_set("e5" * 16, datetime.now(UTC).isoformat(timespec="seconds"), 1, None)
    log.add_rep("e5" * 16, FakeRep(1, 1, 3.5, True, (), "cue good", {}))
    log.end_set("e5" * 16, SetEnd("left", None, "next athlete, please", 20.0))
    log.close()
    _, out, _ = run(capsys, *args)
    listed = out.splitlines()[1].split()
    assert listed[0] == "e5e5e5e5" and listed[3:] == ["class", "#1", "1", "1"]
    _, out, _ = run(capsys, *args, "e5e5")
    assert out.splitlines()[0].split()[4:] == ["class", "#1", "side", "left"]
    _, out, _ = run(capsys, *args, "a1a1")  # a guest stays a guest
    assert out.splitlines()[0].split()[4:] == ["guest", "side", "left"]


def test_csv_and_json_exports_equal_the_database(config, capsys):
    args, path = config
    db = sqlite3.connect(path)
    want = db.execute("SELECT uid, started_at, reps, passed, main_fault FROM sets"
                      " ORDER BY id DESC").fetchall()
    _, out, _ = run(capsys, *args, "--csv")
    got = [(r["uid"], r["started_at"], int(r["reps"]), int(r["passed"]), r["main_fault"])
           for r in csv.DictReader(io.StringIO(out))]
    assert got == want
    _, out, _ = run(capsys, *args, "--json")
    rows = json.loads(out)
    assert [(r["uid"], r["started_at"], r["reps"], r["passed"], r["main_fault"])
            for r in rows] == want
    assert [r["athlete"] for r in rows] == ["Alex Kim", "Sam", None]
    _, out, _ = run(capsys, *args, "c3c3", "--json")
    (one,) = json.loads(out)
    assert [r["faults"] for r in one["rep_list"]] == [["hips_stopped"], [], [], []]


def test_a_limit_lists_that_many_newest_first(config, capsys):
    args, _ = config
    status, out, _ = run(capsys, *args, "--limit", "1")
    assert status == 0 and [ln.split()[0] for ln in out.splitlines()[1:]] == ["c3c3c3c3"]
    _, out, _ = run(capsys, *args, "c3c")  # a prefix still finds its set
    assert out.startswith(f"set {'c3' * 16}  ")


@pytest.mark.parametrize("extra,message", [
    (["--athlete", "Nobody"], "--athlete 'Nobody': nobody on the roster"),
    (["--since", "last week"], "--since 'last week': give a date"),
    (["ffff"], "set 'ffff': no such set in the log"),
    # LIKE's wildcards matched every set ("more than one set starts so").
    (["%"], "set '%': no such set in the log"),
    (["_"], "set '_': no such set in the log"),
    (["c3_3"], "set 'c3_3': no such set in the log"),
    # --limit -1 listed every set and --limit 0 said "no sets".
    (["--limit", "0"], "--limit 0: choose 1 to 1000000"),
    (["--limit", "-1"], "--limit -1: choose 1 to 1000000"),
])
def test_bad_input_is_one_line(config, capsys, extra, message):
    args, _ = config
    status, out, err = run(capsys, *args, *extra)
    assert status == 2 and out == ""
    assert err.strip() == f"station: error: {message}" or err.startswith(
        f"station: error: {message}")
    assert err.count("\n") == 1


def test_no_log_and_a_file_that_is_no_database(tmp_path, capsys):
    toml = tmp_path / "station.toml"
    toml.write_text('[store]\npath = "sessions.sqlite3"\n')
    status, _, err = run(capsys, "--config", str(toml))
    assert status == 2 and err == (
        f"station: error: {tmp_path / 'sessions.sqlite3'}: no session log there yet: "
        "`station run` (or `station demo --log`) writes it on its first set; --config names "
        "another station's settings\n")
    (tmp_path / "sessions.sqlite3").write_bytes(b"this is not sqlite" * 100)
    status, _, err = run(capsys, "--config", str(toml))
    assert status == 2 and "cannot read the session log (file is not a database)" in err
