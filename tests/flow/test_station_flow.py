"""The station's flow on the simulated athlete: idle, setup, coaching, summary, idle; the
coach menu; class mode; presence; and the demo's tour of every screen."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin

from station.coach import analyze
from station.config import Config, KioskConfig
from station.domain import (
    LEFT_SHOULDER,
    RIGHT_SHOULDER,
    Fault,
    FaultDetected,
    PoseFrame,
    RepResult,
    Side,
    TensionSample,
)
from station.flow.flow import StationFlow
from station.flow.setup import setup_checks
from station.flow.summary import summarise
from station.flow.view import Input, Screen
from station.hardware.buzzer import AlertBuzzer
from station.sim.athlete import RepKind
from station.sim.player import SetPlayer
from station.sim.session import simulate_set
from station.store import SessionLog, StoreWriter

KINDS = [RepKind.GOOD, RepKind.SQUAT, RepKind.GOOD, RepKind.SHALLOW]


@pytest.fixture(scope="module")
def sim():
    return simulate_set(7, kinds=KINDS)


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


def test_the_whole_flow_logs_and_buzzes(sim, tmp_path):
    factory = MockFactory(pin_class=MockPWMPin)
    buzzer = AlertBuzzer.from_config(Config().buzzer, pin_factory=factory)
    store = StoreWriter(tmp_path / "log.sqlite3", 100)
    flow = StationFlow(Config(), buzzer, store, set_reps=len(KINDS))
    player = SetPlayer(sim, empty_before_s=3.0, empty_after_s=15.0)
    screens = run(flow, player, player.end)
    assert screens == [Screen.IDLE, Screen.SETUP, Screen.COACHING, Screen.SUMMARY, Screen.IDLE]
    # The kiosk's coach saw what the offline analysis sees.
    report = analyze(sim.pose, sim.tension, Config().coach)
    assert flow.view.summary.reps == len(report.reps) == len(KINDS)
    assert flow.view.summary.passed == report.passed
    assert store.flush()
    store.close()
    log = SessionLog(tmp_path / "log.sqlite3")
    (row,) = log.sets()
    assert row["reps"] == len(KINDS) and row["passed"] == report.passed
    assert [r["faults"] for r in log.reps(row["uid"])] == [
        [f.value for f in r.faults] for r in report.reps]
    log.close()
    live = [(b.index, b.fault) for b in report.buzzes]
    assert 1 <= buzzer.alerts <= len(set(live))
    buzzer.close()
    factory.reset()


def test_someone_walking_past_does_not_wake_it(sim):
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    lm = sim.pose.landmarks[10]
    t = 0.0
    for _ in range(12):  # 0.4 s in view
        t += 1 / 30
        flow.on_pose(PoseFrame(t, lm, 640, 480))
        flow.tick(t)
    assert flow.person_present
    for _ in range(60):
        t += 1 / 30
        flow.on_pose(PoseFrame.empty(t, 640, 480))
        flow.tick(t)
    assert flow.view.screen is Screen.IDLE
    assert not flow.person_present


def test_leaving_mid_set_shows_the_summary_then_idle(sim):
    k = dataclasses.replace(KioskConfig(), out_of_view_s=2.0, summary_seconds=3.0)
    flow = StationFlow(dataclasses.replace(Config(), kiosk=k), AlertBuzzer(None), None,
                       set_reps=99)
    player = SetPlayer(sim, empty_before_s=2.0, empty_after_s=2.5)
    run(flow, player, player.end)
    assert flow.view.screen is Screen.SUMMARY
    assert flow.view.summary.reason == "out of view"
    assert flow.view.summary.reps == len(KINDS)
    flow.tick(player.end + 3.1)
    assert flow.view.screen is Screen.IDLE


def test_press_means_start_then_next_athlete(sim):
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    flow.on_input(Input.PRESS, 0.0)
    assert flow.view.screen is Screen.SETUP
    flow.on_input(Input.PRESS, 0.1)
    assert flow.view.screen is Screen.COACHING
    flow.on_coach_events([])  # nothing scored: "next athlete" goes straight back to idle
    flow.on_input(Input.PRESS, 0.2)
    assert flow.view.screen is Screen.IDLE


def test_the_next_athlete_inherits_the_band_until_it_is_calibrated(sim):
    flow = StationFlow(Config(), AlertBuzzer(None), None, set_reps=len(KINDS),
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


def test_menu_mutes_the_buzzer_and_turns_class_mode_on():
    buzzer = AlertBuzzer(None)
    flow = StationFlow(Config(), buzzer, None)
    flow.on_input(Input.MENU, 0.0)
    assert [m.key for m in flow.view.menu] == ["calibrate", "mute", "class", "close"]
    flow.on_input(Input.DOWN, 0.1)
    flow.on_input(Input.SELECT, 0.2)
    assert buzzer.muted and flow.view.menu[1].value == "MUTED"
    flow.tick(0.3)
    assert flow.view.badge("buzzer").reason == "muted"
    flow.on_input(Input.SELECT, 0.4, row=2)  # a tap on "Class mode"
    assert flow.view.menu[2].value == "2 min" and flow.view.toast.startswith("Class mode")
    flow.on_input(Input.SELECT, 0.5, row=0)
    assert flow.view.toast == "No load cell to calibrate"
    flow.on_input(Input.BACK, 0.6)
    assert flow.view.menu is None
    flow.tick(60.0)
    assert flow.view.rotation_left_s == pytest.approx(60.4)  # on at 0.4 s, 2 min


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


def test_setup_checks_catch_facing_the_camera_and_a_slack_band(sim):
    lm = sim.pose.landmarks[15].copy()
    side = Side.RIGHT if sim.scenario.facing_right else Side.LEFT
    f = PoseFrame(1.0, lm, 640, 480)
    ok = setup_checks(f, side, 70.0, 20.0, 150.0, 0.5, 15.0)
    assert [c.ok for c in ok] == [True, True, True]
    slack = setup_checks(f, side, 5.0, 20.0, 150.0, 0.5, 15.0)
    assert slack[2].ok is False and slack[2].hint == "Step away from the anchor"
    tight = setup_checks(f, side, 400.0, 20.0, 150.0, 0.5, 15.0)
    assert tight[2].hint == "Step closer to the anchor"
    assert setup_checks(f, side, None, 20.0, 150.0, 0.5, 15.0)[2].ok is None
    front = lm.copy()  # facing the camera: the shoulders a shoulder-width apart
    front[LEFT_SHOULDER, 0] = lm[RIGHT_SHOULDER, 0] + 0.09
    turned = setup_checks(PoseFrame(1.0, front, 640, 480), side, 70.0, 20.0, 150.0, 0.5, 15.0)
    assert turned[0].ok is False and "side-on" in turned[0].hint
    cut = lm.copy()
    cut[:, 1] += 0.2  # the feet below the picture
    assert setup_checks(PoseFrame(1.0, cut, 640, 480), side, 70.0, 20.0, 150.0, 0.5,
                        15.0)[1].ok is False


def test_summary_names_the_commonest_fault_and_the_best_rep():
    reps = [RepResult(1, 0, 1, (Fault.KNEE_BEND,), "c", {"hip_travel": 0.2}),
            RepResult(2, 1, 2, (), "c", {"hip_travel": 0.22}),
            RepResult(3, 2, 3, (Fault.HIPS_STOPPED, Fault.KNEE_BEND), "c", {}),
            RepResult(4, 3, 4, (), "c", {"hip_travel": 0.31})]
    s = summarise(reps, "")
    assert (s.reps, s.passed, s.main_fault, s.main_fault_count) == (4, 2, Fault.KNEE_BEND, 2)
    assert s.best_rep == 4 and s.best_note == "hips furthest back"


def test_live_fault_shows_its_cue_in_red():
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    flow.on_input(Input.PRESS, 0.0)
    flow.on_coach_events([FaultDetected(1.0, 1, Fault.HIPS_STOPPED, True, "Push your hips back")])
    assert flow.view.live.cue == "Push your hips back" and flow.view.live.cue_is_fault


def test_player_merges_frames_and_samples_in_time_order(sim):
    player = SetPlayer(sim, start=5.0, empty_before_s=1.0, empty_after_s=1.0)
    items = player.due(player.end + 1)
    assert player.done
    t = np.array([i.t for i in items])
    assert (np.diff(t) >= 0).all()
    frames = [i for i in items if isinstance(i, PoseFrame)]
    samples = [i for i in items if isinstance(i, TensionSample)]
    assert len(frames) == len(sim.pose) + 2 * 30 - 1 or abs(
        len(frames) - (len(sim.pose) + 60)) <= 2
    assert len(samples) >= len(sim.tension)
    assert not frames[0].has_person and frames[0].t == pytest.approx(5.0)
    assert frames[30].has_person or frames[31].has_person
    assert player.due(player.end + 5) == []


def test_the_demo_tour_writes_every_screen(tmp_path):
    from station.config import load_config
    from station.demo.tour import run_tour

    paths = run_tour(load_config(None), tmp_path, seed=1)
    names = [p.stem.split("-", 1)[1] for p in paths]
    assert sorted(names) == sorted(["idle", "setup", "coaching", "live-fault", "verdict-pass",
                                    "verdict-fail", "summary", "menu", "class-mode",
                                    "rotation-summary"])
    assert all(p.stat().st_size > 5000 for p in paths)


def test_a_stuck_disk_never_holds_up_the_flow(sim, tmp_path, monkeypatch):
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
    flow = StationFlow(Config(), AlertBuzzer(None), store, set_reps=len(KINDS))
    player = SetPlayer(sim, empty_before_s=2.0, empty_after_s=3.0)
    screens = run(flow, player, player.end)
    assert Screen.SUMMARY in screens and flow.sets_done == 1
    assert store.written <= 1  # only begin_set got through: the first rep is stuck
    stuck.set()
    assert store.flush()
    store.close()
    log = SessionLog(tmp_path / "log.sqlite3")
    assert log.sets()[0]["reps"] == len(KINDS)
    log.close()


def test_badges_say_why_a_part_is_down(sim):
    flow = StationFlow(Config(), AlertBuzzer(None, reason="no GPIO"), None,
                       has_load_cell=True)
    flow.tick(0.0)
    assert flow.view.badge("camera").reason == "no frames"
    assert flow.view.badge("load cell").reason == "no readings"
    assert flow.view.badge("buzzer").reason == "no GPIO" and not flow.view.badge("buzzer").ok
    flow.on_pose(PoseFrame(0.9, sim.pose.landmarks[5], 640, 480))
    flow.on_tension(TensionSample(0.95, 70.0))
    flow.tick(1.0)
    assert flow.view.badge("camera").ok and flow.view.badge("load cell").ok
    flow.tick(1.6)  # 0.65 s without a tension sample: stale; frames still recent
    assert flow.view.badge("load cell").reason == "stale" and flow.view.badge("camera").ok
    flow.report("pose", False, "model failed")
    flow.tick(1.7)
    assert flow.view.badge("pose").reason == "model failed"
    flow.report("pose", True)
    flow.tick(1.8)
    assert flow.view.badge("pose").ok
