"""The demo's tour of every screen on simulated time, a PNG of each."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_demo_tour_writes_every_screen(tmp_path):
    from station.config import load_config
    from station.demo.tour import run_tour

    paths = run_tour(load_config(None), tmp_path, seed=1)
    names = [p.stem.split("-", 1)[1] for p in paths]
    assert sorted(names) == sorted(["idle", "setup", "coaching", "live-fault", "verdict-pass",
                                    "verdict-fail", "summary", "menu", "class-mode",
                                    "rotation-summary"])
    assert all(p.stat().st_size > 5000 for p in paths)


def _station(*argv: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "station.cli", *argv], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} never came"
        time.sleep(0.05)


def test_sigterm_stops_the_tour_at_once_and_closes_its_set(tmp_path):
    """`demo --headless --screenshots DIR` used to ignore SIGTERM and run to its end; the
    set it cut stayed in the log with `ended` NULL."""
    proc = _station("demo", "--headless", "--screenshots", str(tmp_path))
    _wait_for(tmp_path / "04-verdict-pass.png", proc)  # a set is under way, a rep logged
    os.kill(proc.pid, signal.SIGTERM)
    started = time.monotonic()
    out, err = proc.communicate(timeout=20)
    assert time.monotonic() - started < 5.0
    assert proc.returncode == 143
    assert err.endswith("station: stopped (SIGTERM)\n")
    assert not (tmp_path / "10-rotation-summary.png").exists()  # it did not run to its end
    con = sqlite3.connect(tmp_path / "sessions.sqlite3")
    rows = con.execute("SELECT reps, ended FROM sets").fetchall()
    con.close()
    assert rows and rows[-1][1] == "station stopped" and rows[-1][0] >= 1
    assert all(ended is not None for _, ended in rows)


def test_the_tour_never_writes_into_the_stations_own_log(tmp_path, capsys):
    from station.cli import main

    config = tmp_path / "station.toml"
    config.write_text('[store]\npath = "sessions.sqlite3"\n')
    assert main(["demo", "--headless", "--screenshots", str(tmp_path), "--config",
                 str(config)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path}: the tour writes its sets to {tmp_path / 'sessions.sqlite3'}, the " \
           "station's own session log ([store] path): choose another folder" in err
    assert list(tmp_path.iterdir()) == [config]
