"""The calibration file: written atomically, it survives a killed writer; a missing or corrupt
one gives a warning and the raw sensor."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from station.tension.calibration import (
    UNCALIBRATED,
    Calibration,
    from_readings,
    load_calibration,
    save_calibration,
)
from tests.support import umask

REPO = Path(__file__).resolve().parents[2]
GOOD = Calibration(offset_counts=84_000.0, newtons_per_count=1 / 7000, gain=128, rate_sps=80,
                   known_mass_kg=5.0, noise_n=0.01, calibrated=True)


def test_save_then_load_round_trip(tmp_path):
    path = tmp_path / "calibration.json"
    save_calibration(path, GOOD)
    cal, warning = load_calibration(path, gain=128, rate_sps=80)
    assert warning is None
    assert cal == GOOD
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left


def test_a_calibration_written_as_root_is_readable_by_the_station(tmp_path):
    """save_calibration made the file 0600 (tempfile.mkstemp): written with sudo, the
    station's own user could not read it. It is made as open() makes a file."""
    path = tmp_path / "calibration.json"
    with umask(0o022):
        save_calibration(path, GOOD)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    with umask(0o027):
        save_calibration(path, GOOD)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_from_readings_scales_a_known_mass():
    cal = from_readings(1000, 1000 + 49.0333 * 7000, 5.0, gain=128, rate_sps=80,
                        noise_counts=70)
    assert cal.newtons_per_count == pytest.approx(1 / 7000, rel=1e-4)
    assert cal.force_n(1000 + 7000 * 20) == pytest.approx(20.0, rel=1e-4)
    assert cal.noise_n == pytest.approx(0.01, rel=1e-3)
    reverse = from_readings(1000, 1000 - 49.0333 * 7000, 5.0, gain=128, rate_sps=80,
                            noise_counts=0)
    assert reverse.force_n(1000 - 7000 * 20) == pytest.approx(20.0, rel=1e-4)


def test_missing_file_gives_a_warning_and_the_raw_sensor(tmp_path):
    cal, warning = load_calibration(tmp_path / "calibration.json")
    assert cal is UNCALIBRATED and not cal.calibrated
    assert "no calibration file" in warning and "station calibrate" in warning


@pytest.mark.parametrize("text", [
    "",
    "{\"format\": \"hinge-station-calibration\", \"version\": 1, \"offset_co",  # cut short
    "not json at all",
    "[1, 2, 3]",
    json.dumps({**GOOD.to_dict(), "newtons_per_count": 0}),
    json.dumps({**GOOD.to_dict(), "offset_counts": "84000"}),
    json.dumps({**GOOD.to_dict(), "gain": 100}),
    json.dumps({**GOOD.to_dict(), "version": 9}),
    json.dumps({k: v for k, v in GOOD.to_dict().items() if k != "noise_n"}),
    json.dumps(GOOD.to_dict()).replace("0.01", "NaN"),
])
def test_corrupt_file_gives_a_warning_and_the_raw_sensor(tmp_path, text):
    path = tmp_path / "calibration.json"
    path.write_text(text)
    cal, warning = load_calibration(path)
    assert cal is UNCALIBRATED
    assert str(path) in warning and "calibrat" in warning


def test_calibration_from_another_gain_does_not_apply(tmp_path):
    path = tmp_path / "calibration.json"
    save_calibration(path, GOOD)
    cal, warning = load_calibration(path, gain=64)
    assert cal is UNCALIBRATED
    assert "gain 128" in warning


_WRITER = textwrap.dedent("""
    import os, sys, time
    from station.tension.calibration import Calibration, save_calibration
    real_fsync = os.fsync
    def stall(fd):
        real_fsync(fd)
        print("mid-write", flush=True)  # the new data are in the temporary file, not renamed
        time.sleep(60)
    os.fsync = stall
    save_calibration(sys.argv[1], Calibration(offset_counts=1.0, newtons_per_count=2.0,
                                              calibrated=True))
""")


def test_writer_killed_mid_write_leaves_the_old_calibration(tmp_path):
    path = tmp_path / "calibration.json"
    save_calibration(path, GOOD)
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "mid-write"
        leftovers = [p for p in tmp_path.iterdir() if p != path]
        assert len(leftovers) == 1 and leftovers[0].stat().st_size > 0  # half done
        os.kill(proc.pid, signal.SIGKILL)  # the power cut
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    assert load_calibration(path) == (GOOD, None)
    save_calibration(path, GOOD)  # the next save clears the dead writer's leftover
    assert list(tmp_path.iterdir()) == [path]


_LOOP_WRITER = textwrap.dedent("""
    import sys
    from station.tension.calibration import Calibration, save_calibration
    print("writing", flush=True)
    i = 0
    while True:
        i += 1
        save_calibration(sys.argv[1], Calibration(offset_counts=float(i),
                                                  newtons_per_count=1.0 + i, calibrated=True))
""")


def test_writer_killed_at_random_moments_never_leaves_a_broken_file(tmp_path):
    path = tmp_path / "calibration.json"
    save_calibration(path, GOOD)
    for delay in (0.05, 0.11, 0.17, 0.23, 0.31):
        proc = subprocess.Popen([sys.executable, "-c", _LOOP_WRITER, str(path)], cwd=REPO,
                                stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "writing"
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait()
            proc.stdout.close()
        cal, warning = load_calibration(path)
        assert warning is None
        assert cal == GOOD or cal.newtons_per_count == cal.offset_counts + 1.0
