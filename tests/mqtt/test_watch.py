"""The coach page's one subscription (`FleetWatcher`) against a real Mosquitto: stations as
they publish, a station's results, its last will as it happens, a malformed payload on its
row, the broker killed and back, a refused password and a certificate not trusted, each as
one line."""

from __future__ import annotations

import pytest

from station.config import load_config
from station.domain import Fault
from station.errors import InputError
from station.mqtt.connection import BrokerSettings
from station.mqtt.messages import LiveState, PartHealth
from station.mqtt.watch import FleetWatcher, Link, read_fleet
from tests.mqtt.broker import Mosquitto, TestCA, make_password_file, wait_for
from tests.mqtt.station_kit import Station, rep, write_config
from tests.mqtt.test_fleet import publish_raw


def watcher_for(path) -> FleetWatcher:
    return FleetWatcher(BrokerSettings.from_config(load_config(path)), "test-watcher").start()


@pytest.fixture
def watchers():
    made: list[FleetWatcher] = []
    yield made
    for w in made:
        w.stop()


def rows_of(watcher: FleetWatcher) -> dict:
    return {r.station: r for r in watcher.snapshot().rows}


def test_the_watcher_follows_the_stations_and_survives_the_broker(
        broker, tmp_path, stations, watchers):
    w = watcher_for(write_config(tmp_path / "web", broker.port, "bay-1"))
    watchers.append(w)
    wait_for(lambda: w.snapshot().link is Link.CONNECTED, 10, "the watcher's connection")
    a = Station(write_config(tmp_path / "a", broker.port, "bay-1"))
    stations.append(a)
    a.publisher.set_health({"camera": PartHealth(True), "load cell": PartHealth(False, "stale")})
    a.publisher.set_live(LiveState("coaching", "Sam", 2, 1, "s1", athlete_id=4))
    a.log_set("s1", [rep(1), rep(2, (Fault.HIPS_STOPPED,))])
    wait_for(lambda: "bay-1" in rows_of(w) and rows_of(w)["bay-1"].live is not None
             and rows_of(w)["bay-1"].last is not None
             and rows_of(w)["bay-1"].last.kind == "set", 10, "bay-1's state and set")
    row = rows_of(w)["bay-1"]
    assert row.online is True and row.since is not None  # its stamp: online since then
    assert (row.live.athlete, row.live.athlete_id, row.live.reps) == ("Sam", 4, 2)
    assert row.health["load cell"] == PartHealth(False, "stale")
    assert (row.last.reps, row.last.passed, row.last.faults) == (2, 1, ())  # no main fault

    publish_raw(broker.port, "gym/bay-9/live", b"\xff\xfe")
    wait_for(lambda: "bay-9" in rows_of(w), 5, "the malformed payload")
    assert rows_of(w)["bay-9"].unreadable == {"gym/bay-9/live": "not UTF-8 text"}

    broker.kill()
    wait_for(lambda: w.snapshot().link is Link.DOWN, 10, "the broker lost")
    down = w.snapshot()
    assert down.error.startswith(f"lost the broker 127.0.0.1:{broker.port}") or \
        down.error == f"broker 127.0.0.1:{broker.port}: nothing listens there (connection refused)"
    assert "bay-1" in rows_of(w)  # what it last heard stays
    wait_for(lambda: "nothing listens there" in w.snapshot().error, 10, "a refused reconnect")
    broker.start()
    wait_for(lambda: w.snapshot().link is Link.CONNECTED, 15, "the watcher back")
    assert w.snapshot().error == ""
    # The station says its state again on its new connection; the watcher takes it in.
    a.publisher.set_live(LiveState("summary", "Sam", 2, 1, "s1", athlete_id=4))
    wait_for(lambda: rows_of(w)["bay-1"].live.screen == "summary", 15, "bay-1 again")


def test_a_refused_password_and_an_untrusted_certificate_are_one_line(tmp_path, watchers):
    pw = make_password_file(tmp_path / "passwd", {"coach": "right"})
    b = Mosquitto(tmp_path / "broker", password_file=pw).start()
    try:
        creds = tmp_path / "web" / "creds.toml"
        creds.parent.mkdir(parents=True)
        creds.write_text('username = "coach"\npassword = "wrong-one"\n')
        creds.chmod(0o600)
        w = watcher_for(write_config(tmp_path / "web", b.port, credentials_file="creds.toml"))
        watchers.append(w)
        wait_for(lambda: w.snapshot().link is Link.DOWN, 10, "the refusal")
        error = w.snapshot().error
        assert error.startswith(f"broker 127.0.0.1:{b.port} refused the login (")
        assert error.endswith("; user 'coach')") and "wrong-one" not in error
    finally:
        b.stop()

    ca, other = TestCA(tmp_path / "pki", "Gym CA"), TestCA(tmp_path / "pki", "Other CA")
    server = ca.issue("broker", server=True)
    t = Mosquitto(tmp_path / "tls", tls=(ca.files.cert, server.cert, server.key)).start()
    try:
        w = watcher_for(write_config(tmp_path / "web-tls", t.port, tls=True,
                                     ca_file=str(other.files.cert)))
        watchers.append(w)
        wait_for(lambda: w.snapshot().link is Link.DOWN, 10, "the TLS failure")
        assert w.snapshot().error.startswith(
            f"broker 127.0.0.1:{t.port}: its TLS certificate is not trusted (")
    finally:
        t.stop()


def test_station_fleet_at_a_broker_that_wants_a_client_certificate_says_so(tmp_path):
    ca = TestCA(tmp_path / "pki", "Gym CA")
    server = ca.issue("broker", server=True)
    t = Mosquitto(tmp_path / "tls", tls=(ca.files.cert, server.cert, server.key),
                  require_certificate=True).start()
    try:
        settings = BrokerSettings.from_config(load_config(write_config(
            tmp_path / "web", t.port, tls=True, ca_file=str(ca.files.cert))))
        with pytest.raises(InputError) as err:
            read_fleet(settings)
        assert str(err.value).startswith(
            f"broker 127.0.0.1:{t.port} hung up before answering the login (")
        assert str(err.value).endswith("does it ask for a client certificate ([mqtt] "
                                       "cert_file)?")
    finally:
        t.stop()
