"""The station's flow on the simulated athlete: idle, setup, coaching, summary, idle; what a
press does on each screen; the band learned across athletes; class mode's rotation; a stuck
disk."""

from __future__ import annotations

import dataclasses

from gpiozero.pins.mock import MockFactory, MockPWMPin

from station.coach import analyze
from station.config import Config, KioskConfig
from station.domain import Fault, FaultDetected, PoseFrame, RepResult, Side, TensionSample
from station.flow.flow import StationFlow
from station.flow.view import Input, Screen
from station.hardware.buzzer import AlertBuzzer
from station.sim.player import SetPlayer
from station.sim.session import simulate_set
from station.store import SessionLog, SetEnd, StoreWriter


def run(flow: StationFlow, player: SetPlayer, until: float, fps: float = 30.0) -> list[Screen]:
    """Drive the flow frame by frame; return the screens in the order they appeared."""
    seen = [flow.view.screen]
    now = 0.0
    while now < until:
        now += 1.0 / fps
        for item in player.due(now):
            flow.submit(item)
        flow.drain(now)
        if flow.view.screen is not seen[-1]:
            seen.append(flow.view.screen)
    return seen


def test_the_whole_flow_logs_and_buzzes(sim, kinds, tmp_path):
    factory = MockFactory(pin_class=MockPWMPin)
    buzzer = AlertBuzzer.from_config(Config().buzzer, pin_factory=factory)
    store = StoreWriter(tmp_path / "log.sqlite3", 100)
    flow = StationFlow(Config(), buzzer, store, set_reps=len(kinds))
    player = SetPlayer(sim, empty_before_s=3.0, empty_after_s=15.0)
    screens = run(flow, player, player.end)
    assert screens == [Screen.IDLE, Screen.SETUP, Screen.COACHING, Screen.SUMMARY, Screen.IDLE]
    # The kiosk's coach saw what the offline analysis sees.
    report = analyze(sim.pose, sim.tension, Config().coach)
    assert flow.view.summary.reps == len(report.reps) == len(kinds)
    assert flow.view.summary.passed == report.passed
    assert store.flush()
    store.close()
    log = SessionLog(tmp_path / "log.sqlite3")
    (row,) = log.sets()
    assert row["reps"] == len(kinds) and row["passed"] == report.passed
    assert [r["faults"] for r in log.reps(row["uid"])] == [
        [f.value for f in r.faults] for r in report.reps]
    log.close()
    live = [(b.index, b.fault) for b in report.buzzes]
    assert 1 <= buzzer.alerts <= len(set(live))
    buzzer.close()
    factory.reset()


def test_leaving_mid_set_shows_the_summary_then_idle(sim, kinds):
    k = dataclasses.replace(KioskConfig(), out_of_view_s=2.0, summary_seconds=3.0)
    flow = StationFlow(dataclasses.replace(Config(), kiosk=k), AlertBuzzer(None), None,
                       set_reps=99)
    player = SetPlayer(sim, empty_before_s=2.0, empty_after_s=2.5)
    run(flow, player, player.end)
    assert flow.view.screen is Screen.SUMMARY
    assert flow.view.summary.reason == "out of view"
    assert flow.view.summary.reps == len(kinds)
    flow.tick(player.end + 3.1)
    assert flow.view.screen is Screen.IDLE


def _run_dropping(flow: StationFlow, player: SetPlayer, kind: type, after_reps: int,
                  for_s: float, now: float = 0.0) -> float:
    """Drive the flow from `now`; once `after_reps` reps are counted, for `for_s` more
    seconds with every item of `kind` dropped (a camera or a load cell that stopped).
    Returns the time it got to."""
    since = None
    while since is None or now < since + for_s:
        now += 1.0 / 30.0
        assert now < player.end, "the reps never came"
        if since is None and flow.view.live.rep_count >= after_reps:
            since = now
        for item in player.due(now):
            if since is None or not isinstance(item, kind):
                flow.submit(item)
        flow.drain(now)
    return now


def test_a_camera_that_stops_mid_set_ends_it_as_camera_stopped(sim, kinds):
    k = dataclasses.replace(KioskConfig(), out_of_view_s=2.0, summary_seconds=30.0)
    flow = StationFlow(dataclasses.replace(Config(), kiosk=k), AlertBuzzer(None), None,
                       set_reps=99)
    player = SetPlayer(sim, empty_before_s=2.0, empty_after_s=0.0)
    _run_dropping(flow, player, PoseFrame, 2, 3.0)
    assert not flow.view.badge("camera").ok
    assert flow.view.screen is Screen.SUMMARY
    assert flow.view.summary.reason == "camera stopped"  # not "out of view": nobody left
    assert flow.view.summary.reps >= 2


def test_a_load_cell_that_stops_leaves_no_reading_on_the_gauge(sim, kinds):
    flow = StationFlow(Config(), AlertBuzzer(None), None, set_reps=99)
    player = SetPlayer(sim, empty_before_s=2.0, empty_after_s=0.0)
    now = _run_dropping(flow, player, TensionSample, 1, 0.0)
    assert flow.view.live.tension_n is not None
    _run_dropping(flow, player, TensionSample, 0, 1.0, now)
    assert flow.view.live.tension_n is None  # the gauge says "no reading", not the last one
    assert not flow.view.badge("load cell").ok


def test_press_means_start_then_next_athlete():
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    flow.on_input(Input.PRESS, 0.0)
    assert flow.view.screen is Screen.SETUP
    flow.on_input(Input.PRESS, 0.1)
    assert flow.view.screen is Screen.COACHING
    flow.on_coach_events([])  # nothing scored: "next athlete" goes straight back to idle
    flow.on_input(Input.PRESS, 0.2)
    assert flow.view.screen is Screen.IDLE


def test_live_fault_shows_its_cue_in_red():
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    flow.on_input(Input.PRESS, 0.0)
    flow.on_coach_events([FaultDetected(1.0, 1, Fault.HIPS_STOPPED, True,
                                        "Push your hips back")])
    assert flow.view.live.cue == "Push your hips back" and flow.view.live.cue_is_fault


def test_the_next_athlete_inherits_the_band_until_it_is_calibrated(sim, kinds):
    flow = StationFlow(Config(), AlertBuzzer(None), None, set_reps=len(kinds),
                       calibrate=lambda: "Load cell calibrated")
    player = SetPlayer(sim, empty_before_s=3.0, empty_after_s=15.0)
    run(flow, player, player.end)
    assert flow.view.screen is Screen.IDLE and flow.coach is None
    flow.on_input(Input.PRESS, player.end + 1.0)  # the next athlete
    assert flow.view.screen is Screen.SETUP
    side = Side.RIGHT if sim.scenario.facing_right else Side.LEFT
    gains = flow.coach.band_gains
    assert set(gains) == {side}
    assert (gains[side] < 0) == sim.scenario.anchor_behind  # behind: the band shortens
    # The coach calibrates: the band may have been rigged anew, so it is learned again.
    flow.on_input(Input.MENU, player.end + 2.0)
    flow.on_input(Input.SELECT, player.end + 2.1, row=0)
    assert flow.view.toast == "Load cell calibrated"
    flow.on_input(Input.BACK, player.end + 2.2)
    flow.on_input(Input.PRESS, player.end + 2.3)  # start: coaching with this set's coach
    flow.on_input(Input.PRESS, player.end + 2.4)  # next athlete
    flow.on_input(Input.PRESS, player.end + 2.5)
    assert flow.view.screen is Screen.SETUP and flow.coach.band_gains == {}


def test_rotation_ends_the_set_with_a_summary(sim):
    k = dataclasses.replace(KioskConfig(), class_rotation_s=30.0)
    flow = StationFlow(dataclasses.replace(Config(), kiosk=k), AlertBuzzer(None), None,
                       set_reps=99)
    flow.on_input(Input.MENU, 0.0)
    flow.on_input(Input.SELECT, 0.0, row=2)
    flow.on_input(Input.BACK, 0.0)
    assert flow.athlete == 1
    player = SetPlayer(sim, start=12.0)  # still hinging when the rotation ends at 30 s
    assert player.end > 31.0
    run(flow, player, 30.5)
    assert flow.athlete == 2
    assert flow.view.screen is Screen.SUMMARY
    assert flow.view.summary.reason == "next athlete, please"


def test_a_stuck_disk_never_holds_up_the_flow(sim, kinds, tmp_path, monkeypatch):
    """The log's writer is stuck (a dying SD card): the flow still coaches the whole set and
    shows its summary; the rows arrive once the disk answers again."""
    import threading

    from station import store as store_module

    stuck = threading.Event()
    real_add = store_module.SessionLog.add_rep

    def slow_add(self, uid, rep):
        stuck.wait(30.0)
        real_add(self, uid, rep)

    monkeypatch.setattr(store_module.SessionLog, "add_rep", slow_add)
    store = StoreWriter(tmp_path / "log.sqlite3", 100)
    flow = StationFlow(Config(), AlertBuzzer(None), store, set_reps=len(kinds))
    player = SetPlayer(sim, empty_before_s=2.0, empty_after_s=3.0)
    screens = run(flow, player, player.end)
    assert Screen.SUMMARY in screens and flow.sets_done == 1
    assert store.written <= 1  # only begin_set got through: the first rep is stuck
    stuck.set()
    assert store.flush()
    store.close()
    log = SessionLog(tmp_path / "log.sqlite3")
    assert log.sets()[0]["reps"] == len(kinds)
    log.close()


# -- issue 23: a set ends at set_reps; a stop closes the set -------------------------------

def test_a_set_ends_at_set_reps_even_when_reps_follow_each_verdict(tmp_path):
    """Reps faster than the verdict (here it stays 10 s) used to grow the set past set_reps
    (18 and 12 reps logged with set_reps = 10): it only ended with no verdict on screen."""
    k = dataclasses.replace(KioskConfig(), verdict_seconds=10.0)
    config = dataclasses.replace(Config(), kiosk=k)
    store = StoreWriter(tmp_path / "log.sqlite3", 100)
    flow = StationFlow(config, AlertBuzzer(None), store, set_reps=4)
    sim = simulate_set(7, 9)
    player = SetPlayer(sim, empty_before_s=2.0, empty_after_s=15.0)
    screens = run(flow, player, player.end)
    assert screens[:4] == [Screen.IDLE, Screen.SETUP, Screen.COACHING, Screen.SUMMARY]
    assert store.flush()
    store.close()
    log = SessionLog(tmp_path / "log.sqlite3")
    first = log.sets()[0]  # the athlete's reps after the summary make a set of their own
    assert (first["reps"], first["ended"]) == (4, "done")
    assert [r["idx"] for r in log.reps(first["uid"])] == [1, 2, 3, 4]
    log.close()


def test_a_stop_mid_set_closes_its_row(sim, kinds, tmp_path):
    store = StoreWriter(tmp_path / "log.sqlite3", 100)
    flow = StationFlow(Config(), AlertBuzzer(None), store, set_reps=99)
    player = SetPlayer(sim, empty_before_s=2.0, empty_after_s=0.0)
    run(flow, player, player.end - 1.0)  # the last rep scored, the athlete still there
    assert flow.view.screen is Screen.COACHING and flow.reps
    flow.stop(player.end)
    assert flow.view.screen is Screen.SUMMARY
    assert flow.view.summary.reason == "station stopped"
    assert store.flush()
    store.close()
    log = SessionLog(tmp_path / "log.sqlite3")
    (row,) = log.sets()
    assert row["ended"] == "station stopped"
    assert row["reps"] == flow.view.summary.reps == len(log.reps(row["uid"]))
    log.close()


def test_news_from_the_log_shows_as_a_toast(tmp_path):
    log = SessionLog(tmp_path / "log.sqlite3", max_sets=100)
    for k in range(12):
        log.begin_set(f"s{k}", "2026-01-01T10:00:00+00:00")
        log.add_rep(f"s{k}", RepResult(1, 0.0, 2.0, (), "cue", {}))
        log.end_set(f"s{k}", SetEnd("left", None, "done", 5.0))
    log.close()
    store = StoreWriter(tmp_path / "log.sqlite3", 10)  # lowered: two sets must go
    assert store.flush()
    flow = StationFlow(Config(), AlertBuzzer(None), store)
    flow.tick(1.0)
    assert flow.view.toast.startswith("Log full: 2 oldest sets (2 reps) saved to "
                                      "log.sqlite3.pruned-")
    assert flow.view.toast_until == 1.0 + 6.0
    store.close()
