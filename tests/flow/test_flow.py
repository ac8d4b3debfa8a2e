"""The station's flow on the simulated athlete: idle, setup, coaching, summary, idle; what a
press does on each screen; the band learned across athletes; class mode's rotation; a stuck
disk."""

from __future__ import annotations

import dataclasses

from gpiozero.pins.mock import MockFactory, MockPWMPin

from station.coach import analyze
from station.config import Config, KioskConfig
from station.domain import Fault, FaultDetected, Side
from station.flow.flow import StationFlow
from station.flow.view import Input, Screen
from station.hardware.buzzer import AlertBuzzer
from station.sim.player import SetPlayer
from station.store import SessionLog, StoreWriter


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
