"""bench/buzz_targets.py: each target judged PASS or MISS at its worst row, and one small run
end to end."""

from __future__ import annotations

import sys

from bench import buzz_targets as bt
from bench.coach_accuracy import Tally


def _row(fps: float, delay: str, band_lat: list[float], band_false: int,
         oracle: tuple[float, float]) -> bt.Row:
    band = Tally(latency=band_lat, stalls=len(band_lat), good_reps=200,
                 false_buzzes=band_false, samples=1000, seconds=0.01)
    camera = Tally(latency=[0.3] * 10, stalls=10, good_reps=200)
    return bt.Row(0.0, fps, delay, band, camera, oracle, (280.0, 280.0))


def test_each_target_is_judged_at_its_worst_row(capsys) -> None:
    rows = [_row(30, "none", [0.030] * 20, 0, (25.0, 40.0)),
            _row(5, "Pi 4", [0.030] * 17 + [0.200] * 3, 3, (25.0, 40.0))]
    bt.print_targets(rows)
    out = capsys.readouterr().out
    # At 5 fps three stalls in twenty buzz at 200 ms: p95 200 ms, five times the oracle's.
    assert "MISS band: p95 <= 1.5x the oracle's: worst x5.00 (shake 0, 5 fps, delay Pi 4)" in out
    assert "PASS band: p50 <= 1.3x the oracle's: worst x1.20" in out
    assert "MISS band: <= 1 false buzz per 200 good reps: worst 3.00" in out
    assert "PASS camera: p95 <= 1.25x the oracle's: worst x1.07" in out
    assert "PASS cost < 0.05 ms a sample (band): worst 0.0100 ms" in out


def test_one_small_run_prints_a_row_per_rate_and_delay(capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(sys, "argv", ["buzz_targets", "--sets", "1", "--reps", "3",
                                      "--fps", "10", "--band-shake", "0",
                                      "--cache", str(tmp_path)])
    assert bt.main() == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("    0  10 ")]
    assert [r.split("|")[0].split()[2:] for r in rows] == [["none"], ["Pi", "5"], ["Pi", "4"]]
    assert sum(line.strip().startswith(("PASS", "MISS")) for line in out.splitlines()) == 8

