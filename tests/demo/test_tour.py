"""The demo's tour of every screen on simulated time, a PNG of each."""

from __future__ import annotations


def test_the_demo_tour_writes_every_screen(tmp_path):
    from station.config import load_config
    from station.demo.tour import run_tour

    paths = run_tour(load_config(None), tmp_path, seed=1)
    names = [p.stem.split("-", 1)[1] for p in paths]
    assert sorted(names) == sorted(["idle", "setup", "coaching", "live-fault", "verdict-pass",
                                    "verdict-fail", "summary", "menu", "class-mode",
                                    "rotation-summary"])
    assert all(p.stat().st_size > 5000 for p in paths)
