"""The station on a real Mosquitto: its topics and payloads, its last will, the outbox through
a broker killed mid-set, a station restarted with results unsent, a wrong host."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from station.domain import Fault
from station.mqtt.discovery import configs
from station.mqtt.messages import LiveState, PartHealth
from tests.mqtt.broker import Mosquitto, Recorder, free_port, wait_for
from tests.mqtt.station_kit import Station, rep, write_config

REPO = Path(__file__).resolve().parents[2]


def test_topics_and_payloads(broker, tmp_path, stations):
    rec = Recorder(broker.port, ["gym/#"])
    st = Station(write_config(tmp_path / "st", broker.port, "north-1"))
    stations.append(st)
    st.wait_connected()
    st.publisher.set_health({"camera": PartHealth(True), "load cell": PartHealth(False, "stale")})
    st.publisher.set_live(LiveState("coaching", athlete="Sam", reps=2, passed=1, set_id="s1",
                                    athlete_id=3))
    st.log_set("s1", [rep(1), rep(2, (Fault.HIPS_STOPPED, Fault.KNEE_BEND))])
    st.wait_sent()
    wait_for(lambda: rec.on("gym/north-1/live") and rec.on("gym/north-1/health")
             and rec.on("gym/north-1/set"), 5, "the state and the set")

    assert [m.payload for m in rec.on("gym/north-1/status")] == [b"online"]
    health = rec.on("gym/north-1/health")[-1].json()
    assert health["v"] == 1 and health["station"] == "north-1"
    assert health["parts"] == {"camera": {"ok": True, "reason": ""},
                               "load cell": {"ok": False, "reason": "stale"}}
    live = rec.on("gym/north-1/live")[-1].json()
    assert (live["screen"], live["athlete"], live["athlete_id"], live["class_athlete"],
            live["reps"], live["passed"], live["set_id"]) == (
        "coaching", "Sam", 3, None, 2, 1, "s1")

    reps = [m.json() for m in rec.on("gym/north-1/rep")]
    assert [r["id"] for r in reps] == ["s1-1", "s1-2"]
    second = reps[1]
    assert {k: second[k] for k in ("station", "set_id", "index", "start", "end", "passed",
                                   "faults", "cue", "metrics")} == {
        "station": "north-1", "set_id": "s1", "index": 2, "start": 4.0, "end": 5.5,
        "passed": False, "faults": ["hips_stopped", "knee_bend"],
        "cue": "Push your hips back", "metrics": {"hip_travel": 0.22, "trunk_deg": 61.5}}
    (done,) = [m.json() for m in rec.on("gym/north-1/set")]
    assert done["id"] == "s1" and done["summary"] == {"reps": 2, "passed": 1, "failed": 1}
    assert (done["side"], done["ended"], done["duration_s"]) == ("left", "done", 30.0)
    assert [r["index"] for r in done["reps"]] == [1, 2]
    assert done["reps"][1]["faults"] == ["hips_stopped", "knee_bend"]
    assert all(not m.retain for m in rec.on("gym/north-1/rep"))

    # The retained state is what a newcomer (a dashboard starting up) gets at once.
    late = Recorder(broker.port, ["gym/+/status", "gym/+/live"], client_id="late")
    wait_for(lambda: len(late.messages) == 2, 5, "the retained state")
    assert all(m.retain for m in late.messages)
    late.close()
    st.publisher.stop()  # a clean stop says offline itself
    wait_for(lambda: rec.on("gym/north-1/status")[-1].payload == b"offline", 5, "offline")
    rec.close()


def test_a_dead_station_shows_offline_by_its_last_will(broker, tmp_path):
    config = write_config(tmp_path / "st", broker.port, "st9")
    script = ("import sys, time\n"
              "from tests.mqtt.station_kit import Station\n"
              "from pathlib import Path\n"
              "st = Station(Path(sys.argv[1]))\n"
              "st.wait_connected()\n"
              "print('up', flush=True)\n"
              "time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(config)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    rec = Recorder(broker.port, ["gym/st9/status"])
    try:
        line = proc.stdout.readline().strip()
        assert line == "up", proc.stderr.read() if proc.poll() is not None else line
        wait_for(lambda: rec.on("gym/st9/status"), 5, "online")
        assert rec.on("gym/st9/status")[-1].payload == b"online"
        os.kill(proc.pid, signal.SIGKILL)  # no goodbye: the broker says it for the station
        wait_for(lambda: rec.on("gym/st9/status")[-1].payload == b"offline", 10, "the will")
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        rec.close()


def test_the_broker_killed_mid_set_and_restarted_later_loses_and_duplicates_nothing(
        tmp_path, stations, monkeypatch):
    from station.mqtt.publisher import Publisher

    # paho sends again what awaited a PUBACK right after on_connect returns; slow that
    # moment down, so a publisher that handed newer rows at once would overtake them.
    real_on_connect = Publisher._on_connect

    def slow_on_connect(self, *args):
        real_on_connect(self, *args)
        time.sleep(0.3)

    monkeypatch.setattr(Publisher, "_on_connect", slow_on_connect)
    broker = Mosquitto(tmp_path / "broker", persistence=True).start()
    try:
        rec = Recorder(broker.port, ["gym/st1/rep", "gym/st1/set"], persistent=True)
        st = Station(write_config(tmp_path / "st", broker.port))
        stations.append(st)
        st.wait_connected()
        st.log_set("A", [rep(i) for i in range(1, 4)], end=False)
        wait_for(lambda: len(rec.on("gym/st1/rep")) == 3, 10, "reps 1-3")
        time.sleep(1.5)  # the broker's autosave (1 s) has the subscriber's session

        broker.pause()   # hung: reps 4 and 5 go into its socket and get no PUBACK
        st.log_set("A", [rep(4), rep(5)], end=False)
        assert st.writer.flush()
        time.sleep(0.5)
        assert st.unsent() == 2
        broker.kill()    # ... and dies with them unread
        wait_for(lambda: not st.publisher.status().connected, 10, "the station to notice")
        for i in range(6, 9):  # the set goes on while the broker is down
            st.writer.add_rep("A", rep(i))
        st.end_set("A")
        wait_for(lambda: st.publisher.status().outbox == 6, 5, "4-8 and the set in the outbox")
        assert f"127.0.0.1:{broker.port}" in st.publisher.status().error
        time.sleep(2.0)  # down a while

        broker.start()   # the same port and persistence file: "restarted later"
        st.wait_sent(20)
        wait_for(lambda: len(rec.on("gym/st1/set")) == 1 and len(rec.on("gym/st1/rep")) == 8,
                 20, "every result")
        time.sleep(0.5)  # room for a duplicate to show, if one were coming
        ids = [m.json()["id"] for m in rec.messages]
        assert ids == [f"A-{i}" for i in range(1, 9)] + ["A"]  # in order, each once
        assert ids == st.logged_ids()
        assert rec.on("gym/st1/set")[0].json()["summary"]["reps"] == 8
        rec.close()
    finally:
        broker.stop()


def test_a_station_restarted_while_the_broker_was_down_sends_what_it_logged(
        tmp_path, stations):
    port = free_port()  # nothing listens there yet
    config = write_config(tmp_path / "st", port)
    first = Station(config)
    first.log_set("B", [rep(1), rep(2)])
    wait_for(lambda: "nothing listens" in first.publisher.status().error, 10, "the error")
    assert first.publisher.status().error == (
        f"broker 127.0.0.1:{port}: nothing listens there (connection refused)")
    assert first.unsent() == 3
    first.close()  # the station stops with its results unsent

    broker = Mosquitto(tmp_path / "broker", port=port).start()
    try:
        rec = Recorder(port, ["gym/st1/rep", "gym/st1/set"])
        second = Station(config)
        stations.append(second)
        second.log_set("C", [rep(1)])
        second.wait_sent()
        wait_for(lambda: len(rec.messages) == 5, 10, "every result")
        assert [m.json()["id"] for m in rec.messages] == ["B-1", "B-2", "B", "C-1", "C"]
        rec.close()
    finally:
        broker.stop()


def test_a_wrong_host_is_one_line_and_the_results_queue(tmp_path, stations):
    st = Station(write_config(tmp_path / "st", 1883, host="no-such-broker.invalid"))
    stations.append(st)
    st.log_set("D", [rep(1), rep(2)])
    wait_for(lambda: st.publisher.status().error, 15, "the error")
    status = st.publisher.status()
    assert status.error.startswith("broker no-such-broker.invalid:1883: no such host")
    assert "\n" not in status.error
    assert st.unsent() == 3 and not status.connected
    wait_for(lambda: st.publisher.status().outbox == 3, 5, "the publisher's count")


def test_home_assistant_discovery_is_published_when_asked(broker, tmp_path, stations):
    rec = Recorder(broker.port, ["homeassistant/#"])
    st = Station(write_config(tmp_path / "st", broker.port, "st2", homeassistant=True))
    stations.append(st)
    st.wait_connected()
    expected = configs(st.topics, "homeassistant")
    wait_for(lambda: len(rec.messages) == len(expected), 10, "the discovery configs")
    got = {m.topic: json.loads(m.payload) for m in rec.messages}
    camera = got["homeassistant/binary_sensor/hinge_gym_st2/camera/config"]
    assert camera["device_class"] == "problem" and camera["state_topic"] == "gym/st2/health"
    assert camera["availability_topic"] == "gym/st2/status"
    reps = got["homeassistant/sensor/hinge_gym_st2/reps_today/config"]
    assert reps["state_topic"] == "gym/st2/today" and "value_json.reps" in reps["value_template"]
    assert len({c["unique_id"] for c in got.values()}) == len(expected) == 8
    rec.close()


def test_acknowledgements_the_log_could_not_record_are_recorded_later(
        broker, tmp_path, stations, monkeypatch):
    """A disk hiccup while marking rows sent loses no row and sends none twice."""
    import sqlite3

    from station.store import SessionLog

    real = SessionLog.mark_sent
    failures = {"left": 3}

    def flaky(self, seqs):
        if seqs and failures["left"]:
            failures["left"] -= 1
            raise sqlite3.OperationalError("database is locked")
        return real(self, seqs)

    monkeypatch.setattr(SessionLog, "mark_sent", flaky)
    rec = Recorder(broker.port, ["gym/st1/rep", "gym/st1/set"])
    st = Station(write_config(tmp_path / "st", broker.port))
    stations.append(st)
    st.wait_connected()
    st.log_set("E", [rep(i) for i in range(1, 6)])
    st.wait_sent()
    wait_for(lambda: len(rec.messages) == 6, 10, "every result")
    time.sleep(0.5)
    assert failures["left"] == 0
    assert [m.json()["id"] for m in rec.messages] == [f"E-{i}" for i in range(1, 6)] + ["E"]
    assert st.publisher.status().sent == 6
    rec.close()
