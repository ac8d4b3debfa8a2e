"""`station fleet` and `station check` against a real Mosquitto: the gym's table from the
retained topics, a malformed payload in one line, a broker that cannot be reached."""

from __future__ import annotations

import json

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from station.cli import main
from station.mqtt.messages import LiveState, PartHealth
from tests.mqtt.broker import free_port, wait_for
from tests.mqtt.station_kit import Station, rep, write_config


def publish_raw(port: int, topic: str, payload: bytes) -> None:
    """Another device on the broker writes whatever it likes, retained."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="rogue")
    client.connect("127.0.0.1", port)
    client.loop_start()
    client.publish(topic, payload, qos=1, retain=True).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()


def two_stations(broker, tmp_path, stations):
    a = Station(write_config(tmp_path / "a", broker.port, "bay-1"))
    b = Station(write_config(tmp_path / "b", broker.port, "bay-2"))
    stations += [a, b]
    a.publisher.set_health({"camera": PartHealth(True), "load cell": PartHealth(True)})
    a.publisher.set_live(LiveState("coaching", athlete="#2", reps=4, passed=3, set_id="x",
                                   class_athlete=2))
    b.publisher.set_health({"camera": PartHealth(False, "no frames"),
                            "load cell": PartHealth(True)})
    b.publisher.set_live(LiveState("idle"))
    b.log_set("y", [rep(1)])
    for st in (a, b):
        wait_for(lambda st=st: st.publisher.status().connected, 10, "both stations")
    b.wait_sent()
    return a, b


def fleet_json(config, capsys) -> tuple[int, list[dict], str]:
    code = main(["fleet", "--json", "--config", str(config)])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else [], err


def test_the_gyms_table_from_the_retained_topics(broker, tmp_path, stations, capsys):
    a, b = two_stations(broker, tmp_path, stations)
    viewer = write_config(tmp_path / "viewer", broker.port, "coach-laptop")

    def settled():
        code, rows, _ = fleet_json(viewer, capsys)
        return {r["station"]: r for r in rows}

    wait_for(lambda: len(settled()) == 2 and all(
        r["reps"] is not None and r["health"] for r in settled().values()), 10, "the table")
    rows = settled()
    assert rows["bay-1"]["online"] is True and rows["bay-1"]["athlete"] == "#2"
    assert rows["bay-1"]["class_athlete"] == 2 and rows["bay-1"]["athlete_id"] is None
    assert (rows["bay-1"]["reps"], rows["bay-1"]["passed"]) == (4, 3)
    assert rows["bay-2"]["health"]["camera"] == {"ok": False, "reason": "no frames"}
    assert rows["bay-2"]["screen"] == "idle" and rows["bay-2"]["athlete"] is None

    assert main(["fleet", "--config", str(viewer)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["station", "online", "athlete", "reps", "passed", "health"]
    assert table[1].split() == ["bay-1", "yes", "#2", "4", "3", "ok"]
    assert table[2].split() == ["bay-2", "yes", "-", "0", "0", "camera:", "no", "frames"]

    b.publisher.stop()  # bay-2 shuts down: the table says so
    wait_for(lambda: settled()["bay-2"]["online"] is False, 10, "bay-2 offline")
    a.publisher.stop()  # bay-1 too: its last figures stay, its athlete goes
    wait_for(lambda: settled()["bay-1"]["online"] is False, 10, "bay-1 offline")
    assert main(["fleet", "--config", str(viewer)]) == 0
    assert capsys.readouterr().out.splitlines()[1].split() == [
        "bay-1", "no", "-", "4", "3", "ok"]


def test_a_malformed_payload_is_one_line_and_the_table_stands(
        broker, tmp_path, stations, capsys):
    two_stations(broker, tmp_path, stations)
    publish_raw(broker.port, "gym/bay-3/health", b"{not json")
    publish_raw(broker.port, "gym/bay-3/status", b"maybe")
    publish_raw(broker.port, "gym/bay-1/live", json.dumps({"v": 1, "screen": "idle",
                                                           "reps": "four", "passed": 0}).encode())
    viewer = write_config(tmp_path / "viewer", broker.port, "coach-laptop")
    code, rows, err = fleet_json(viewer, capsys)
    assert code == 0
    assert sorted(err.splitlines()) == [
        "station fleet: gym/bay-1/live: 'reps' is 'four', not int",
        "station fleet: gym/bay-3/health: not JSON (Expecting property name enclosed in "
        "double quotes at character 1)",
        "station fleet: gym/bay-3/status: 'maybe' is neither 'online' nor 'offline'"]
    by = {r["station"]: r for r in rows}
    assert by["bay-3"]["online"] is None and by["bay-3"]["health"] is None
    assert by["bay-1"]["reps"] is None and by["bay-1"]["online"] is True  # the rest stands
    assert by["bay-2"]["health"]["camera"]["reason"] == "no frames"


def test_fleet_with_no_broker_or_no_section_is_one_line_and_exit_2(tmp_path, capsys):
    port = free_port()
    assert main(["fleet", "--config", str(write_config(tmp_path, port))]) == 2
    err = capsys.readouterr().err
    assert err == (f"station: error: broker 127.0.0.1:{port}: nothing listens there "
                   "(connection refused)\n")
    plain = tmp_path / "plain.toml"
    plain.write_text("[store]\npath = \"s.sqlite3\"\n")
    assert main(["fleet", "--config", str(plain)]) == 2
    assert "no [mqtt] section" in capsys.readouterr().err


def test_check_reports_the_broker_reached_authorised_and_the_outbox(
        broker, tmp_path, stations, capsys):
    config = write_config(tmp_path / "st", broker.port)
    assert main(["check", "--only", "broker", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"broker  ok    reached, authorised; outbox empty: 127.0.0.1:"
                          f"{broker.port} (plain TCP, no password) as gym/st1")

    down = write_config(tmp_path / "down", free_port(), "st1")
    st = Station(down)
    stations.append(st)
    st.log_set("z", [rep(1), rep(2)])
    assert main(["check", "--only", "broker", "--config", str(down)]) == 1
    out = capsys.readouterr().out
    assert "broker  FAIL  NOT reached; outbox 3 unsent: broker 127.0.0.1:" in out
    assert "fix: check [mqtt] host and port" in out


def test_check_with_a_password_file_others_may_read_says_so_and_how_to_fix_it(tmp_path, capsys):
    """The file stops the check before the network: no "NOT reached", and a fix about the
    file (its owner and mode), not about the broker's host."""
    config = write_config(tmp_path, free_port(), credentials_file="creds.toml")
    creds = tmp_path / "creds.toml"
    creds.write_text('username = "bay-1"\npassword = "secret"\n')
    creds.chmod(0o644)
    assert main(["check", "--only", "broker", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == [
        f"broker  FAIL  NOT tried (a file of [mqtt] it cannot use); outbox empty: {creds}: "
        "[mqtt] credentials_file has mode 0644, which lets other users read the broker's "
        "password: chmod 0640 (owner root, group station) or 0600",
        f"              fix: sudo chown root:station {creds} && sudo chmod 0640 {creds}; "
        "then sudo systemctl try-restart station station-web (results wait in the outbox "
        "meanwhile)"]
    assert "secret" not in out
