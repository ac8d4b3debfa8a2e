"""`station demo --log`: the live demo writes the kiosk's state for the coach page."""

from __future__ import annotations

from station.cli import main
from station.logbook.read import live, open_log


def test_the_demo_with_log_tells_the_page_what_it_shows(tmp_path, monkeypatch):
    from station.demo import live as demo_live

    (tmp_path / "station.toml").write_text('[store]\npath = "s.sqlite3"\n'
                                           "[kiosk]\nfullscreen = false\n")
    real = demo_live.run_live_demo
    monkeypatch.setattr(demo_live, "run_live_demo",
                        lambda *a, **k: real(*a, **{**k, "max_frames": 20}))
    assert main(["demo", "--log", "--config", str(tmp_path / "station.toml")]) == 0
    state = live(open_log(tmp_path / "s.sqlite3"))
    assert state.updated_at is not None and state.state["screen"] == "idle"
    assert [b["name"] for b in state.state["badges"]] == ["camera", "pose", "load cell",
                                                          "buzzer"]
