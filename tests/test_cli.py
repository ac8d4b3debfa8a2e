"""The command line end to end: the demo, analyze on files the simulator wrote, bad files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

from station.cli import main
from station.recordings.formats import save_pose_npz
from station.sim.session import simulate_set


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_demo_json_reports_ten_reps_that_match_the_simulator(capsys):
    code, out, _ = _run(capsys, "demo", "--headless", "--reps", "10", "--seed", "3", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["summary"]["reps"] == 10
    assert set(report) >= {"reps", "buzzes", "summary", "side"}
    for rep, truth in zip(report["reps"], report["truth"], strict=True):
        assert sorted(rep["faults"]) == sorted(truth["faults"])
        assert rep["passed"] == (not truth["faults"])
    assert report["summary"]["passed"] + report["summary"]["failed"] == 10


@pytest.mark.parametrize("seed", [1, 2, 4, 5, 6])
def test_demo_faults_match_ground_truth_across_athletes(capsys, seed):
    code, out, _ = _run(capsys, "demo", "--headless", "--reps", "10", "--seed", str(seed),
                        "--json")
    report = json.loads(out)
    assert code == 0 and len(report["reps"]) == 10
    agree = sum((not r["faults"]) == (not t["faults"])
                for r, t in zip(report["reps"], report["truth"], strict=True))
    assert agree >= 9


def test_demo_text_names_each_rep_and_its_verdict(capsys):
    code, out, _ = _run(capsys, "demo", "--headless", "--reps", "3", "--seed", "3")
    assert code == 0
    lines = [ln for ln in out.splitlines() if ln.startswith("rep ")]
    assert len(lines) == 3
    assert all(("PASS" in ln) != ("FAIL" in ln) for ln in lines)
    assert out.rstrip().endswith("failed.")


def test_files_written_by_the_simulator_read_back_through_analyze(tmp_path, capsys):
    code, demo_out, _ = _run(capsys, "demo", "--headless", "--reps", "6", "--seed", "8",
                             "--json", "--save", str(tmp_path))
    assert code == 0
    code, out, _ = _run(capsys, "analyze", str(tmp_path / "pose.npz"), "--tension",
                        str(tmp_path / "tension.csv"), "--json")
    assert code == 0
    from_files, from_demo = json.loads(out), json.loads(demo_out)
    assert [r["faults"] for r in from_files["reps"]] == [r["faults"] for r in from_demo["reps"]]
    assert from_files["side"] == from_demo["side"]
    with np.load(tmp_path / "pose.npz") as data:
        assert data["landmarks"].dtype == np.float32 and data["landmarks"].shape[1:] == (33, 4)
        assert data["t"].dtype == np.float64
    assert (tmp_path / "tension.csv").read_text().startswith("t,force_n\n")


def test_analyze_without_tension_works_on_the_camera_alone(tmp_path, capsys):
    sim = simulate_set(9, 4)
    save_pose_npz(tmp_path / "p.npz", sim.pose)
    code, out, _ = _run(capsys, "analyze", str(tmp_path / "p.npz"), "--json")
    assert code == 0
    assert json.loads(out)["summary"]["reps"] == 4


def _one_error_line(err: str) -> str:
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def test_bad_pose_files_exit_2_with_one_clear_line(tmp_path, capsys):
    good = tmp_path / "good.npz"
    sim = simulate_set(10, 1)
    save_pose_npz(good, sim.pose)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, t=sim.pose.t, landmarks=sim.pose.landmarks[:, :17], width=640, height=480)
    lacking = tmp_path / "lacking.npz"
    np.savez(lacking, t=sim.pose.t)
    text = tmp_path / "text.npz"
    text.write_text("hello")
    cases = {
        tmp_path / "missing.npz": "pose file not found",
        truncated: "not a readable .npz pose file",
        wrong: "'landmarks' has shape",
        lacking: "pose file lacks landmarks, width, height",
        text: "not a readable .npz pose file",
    }
    for path, message in cases.items():
        code, _, err = _run(capsys, "analyze", str(path))
        assert code == 2, path
        assert f"{path}: {message}" in _one_error_line(err)
    assert zipfile.is_zipfile(good)


def test_bad_tension_files_exit_2_with_one_clear_line(tmp_path, capsys):
    pose = tmp_path / "p.npz"
    save_pose_npz(pose, simulate_set(10, 1).pose)
    header = tmp_path / "header.csv"
    header.write_text("time,newtons\n0.0,50\n")
    garbage = tmp_path / "garbage.csv"
    garbage.write_text("t,force_n\n0.0,50\n0.0125,heavy\n")
    backwards = tmp_path / "back.csv"
    backwards.write_text("t,force_n\n1.0,50\n0.5,50\n")
    cases = {
        tmp_path / "none.csv": "tension file not found",
        header: "header is 'time,newtons', expected 't,force_n'",
        garbage: "line 3 is not two numbers",
        backwards: "line 3: 't' goes backwards (1.0 then 0.5)",
    }
    for path, message in cases.items():
        code, _, err = _run(capsys, "analyze", str(pose), "--tension", str(path))
        assert code == 2, path
        assert f"{path}: {message}" in _one_error_line(err)


@pytest.mark.parametrize("argv, line", [
    (["--config", "X", "demo"], "--config goes after the command: station demo --config X"),
    (["--config=my settings.toml", "log", "--limit", "3"],
     "--config goes after the command: station log --config 'my settings.toml'"),
    (["--config", "X"], "--config goes after the command: station COMMAND --config X"),
])
def test_config_before_the_command_says_where_it_goes(capsys, argv, line):
    """`station --config X demo` said "invalid choice: 'X'" (argparse took X for the
    command)."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert capsys.readouterr().err == f"station: error: {line}\n"


def test_unknown_arguments_exit_2_with_one_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--bogus"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_the_installed_console_script_runs_the_demo(tmp_path):
    exe = os.path.join(os.path.dirname(sys.executable), "station")
    if not os.path.exists(exe):
        pytest.skip("no console script: run through ./install.sh")
    result = subprocess.run([exe, "demo", "--headless", "--reps", "2", "--json"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["reps"] == 2


# -- issue 23 ------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_a_seed_out_of_range_is_one_line(capsys, seed):
    """`station demo --seed -1` used to end in a traceback."""
    code, out, err = _run(capsys, "demo", "--headless", "--seed", seed)
    assert (code, out) == (2, "")
    assert err == f"station: error: --seed {seed}: choose 0 to 4294967295\n"


def test_sigterm_stops_a_long_demo_at_once():
    proc = subprocess.Popen([sys.executable, "-m", "station.cli", "demo", "--headless",
                             "--reps", "1000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(3.0)  # well into simulating 1000 reps
    assert proc.poll() is None
    os.kill(proc.pid, signal.SIGTERM)
    started = time.monotonic()
    out, err = proc.communicate(timeout=20)
    assert time.monotonic() - started < 3.0
    assert (proc.returncode, out) == (143, "")
    assert err.endswith("station: stopped (SIGTERM)\n") and "Traceback" not in err


def test_a_long_demo_shows_its_progress(capsys):
    """A 1000-rep demo used to print nothing for 132 s. (The bars show after half a second,
    only when stderr is a terminal unless asked, and leave nothing behind them.)"""
    from station.config import Config
    from station.demo.headless import coach_simulated_set

    demo = coach_simulated_set(Config(), 1, 300, progress=True)
    assert len(demo.report.reps) >= 290
    err = capsys.readouterr().err
    assert "simulate:" in err and "coach:" in err and "frames/s" in err


def test_a_reader_that_goes_away_ends_the_command_quietly():
    """`station analyze ... | head` printed a BrokenPipeError traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    proc = subprocess.run([sys.executable, "-m", "station.cli", "demo", "--headless", "--reps",
                           "2"], stdout=write_end,
                          stderr=subprocess.PIPE, text=True, timeout=120)
    os.close(write_end)
    assert proc.returncode == 141
    assert proc.stderr == ""


# -- station web: where it listens ------------------------------------------------------

@pytest.fixture
def settings(tmp_path):
    """A settings file of defaults in its own folder (no PIN: the page would be off)."""
    path = tmp_path / "station.toml"
    path.write_text("")
    return path


@pytest.mark.parametrize("host", ["999.1.1.1", "nosuch.invalid"])
def test_web_on_a_host_with_no_address_is_one_line(capsys, settings, host):
    """`station web --host 999.1.1.1` ended in waitress's ValueError traceback."""
    code, out, err = _run(capsys, "web", "--config", str(settings), "--host", host)
    assert (code, out) == (2, "")
    assert _one_error_line(err).startswith(
        f"station: error: --host = {host!r}: not an address to listen on (")


def test_web_names_the_settings_key_when_the_host_came_from_there(capsys, tmp_path):
    settings = tmp_path / "station.toml"
    settings.write_text('[web]\nhost = "nosuch.invalid"\n')
    code, _, err = _run(capsys, "web", "--config", str(settings))
    assert code == 2
    assert _one_error_line(err).startswith(
        f"station: error: {settings}: [web] host = 'nosuch.invalid': not an address")


@pytest.mark.parametrize("port", ["70000", "0", "-1"])
def test_web_port_out_of_range_is_refused_as_the_setting_is(capsys, settings, port):
    """`--port 70000` said it served on :70000 and listened on 4464; `--port 0` on 8080."""
    code, out, err = _run(capsys, "web", "--config", str(settings), "--port", port)
    assert (code, out) == (2, "")
    assert err == f"station: error: --port = {port} is out of range (1 to 65535)\n"


def test_web_listens_where_the_options_say(settings):
    import argparse

    from station.commands.web import listen_address
    from station.config import load_config

    config = load_config(settings)
    given = argparse.Namespace(host="127.0.0.1", port=65535)
    assert listen_address(given, config) == ("127.0.0.1", 65535)
    assert listen_address(argparse.Namespace(host=None, port=None), config) == ("0.0.0.0", 8080)


# -- station demo: an option the chosen way ignores is refused ------------------------------

@pytest.mark.parametrize(("argv", "message"), [
    (["--headless", "--log"],
     "--log does not apply to --headless: it is for the kiosk (no --headless)"),
    (["--headless", "--screenshots", "SHOTS", "--json", "--reps", "1"],
     "--reps, --json do not apply to the tour (--headless --screenshots) (see station demo "
     "--help)"),
    (["--headless", "--screenshots", "SHOTS", "--save", "SAVE"],
     "--save does not apply to the tour (--headless --screenshots): it is for --headless"),
    (["--headless", "--screenshots", "SHOTS", "--log"],
     "--log does not apply to the tour (--headless --screenshots): it is for the kiosk "
     "(no --headless)"),
    (["--json"], "--json does not apply to the kiosk (no --headless): it is for --headless"),
    (["--save", "SAVE"],
     "--save does not apply to the kiosk (no --headless): it is for --headless"),
    (["--headless", "--size", "800x480"],
     "--size does not apply to --headless: it is for the kiosk (no --headless) or the tour "
     "(--headless --screenshots)"),
])
def test_a_demo_option_its_way_would_ignore_is_refused(capsys, tmp_path, monkeypatch, argv,
                                                       message):
    """`demo --headless --log` exited 0 and logged nothing; `--headless --screenshots DIR
    --json --reps 1` dropped --json and --reps unsaid."""
    def ran(*args, **kwargs):
        raise AssertionError("the demo ran instead of refusing the option")

    for runner in ("live.run_live_demo", "tour.run_tour", "headless.coach_simulated_set"):
        monkeypatch.setattr(f"station.demo.{runner}", ran)
    argv = [str(tmp_path / a.lower()) if a in ("SHOTS", "SAVE") else a for a in argv]
    code, out, err = _run(capsys, "demo", *argv)
    assert (code, out, err) == (2, "", f"station: error: {message}\n")
    assert list(tmp_path.iterdir()) == []


def test_demo_reps_default_to_a_set_of_ten(capsys):
    code, out, _ = _run(capsys, "demo", "--headless", "--seed", "3", "--json")
    assert code == 0 and json.loads(out)["summary"]["reps"] == 10
