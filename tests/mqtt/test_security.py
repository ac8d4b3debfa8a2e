"""The broker's password and TLS: a refused password, a CA, a certificate not trusted, a
client certificate; the credentials file only root and the station's user may read."""

from __future__ import annotations

import os

import pytest

from station.config import load_config
from station.errors import ConfigError
from station.mqtt.connection import BrokerSettings
from station.mqtt.credentials import read_credentials
from tests.mqtt.broker import Mosquitto, Recorder, TestCA, make_password_file, wait_for
from tests.mqtt.station_kit import Station, rep, write_config

SECRET = "s3cret-Pa55"


def credentials(path, username="station", password=SECRET, mode=0o640):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'username = "{username}"\npassword = "{password}"\n')
    path.chmod(mode)
    return path


@pytest.fixture
def locked_broker(tmp_path):
    pw = make_password_file(tmp_path / "passwd", {"station": SECRET, "watcher": "w"})
    b = Mosquitto(tmp_path / "broker", password_file=pw).start()
    yield b
    b.stop()


def test_a_refused_password_is_one_line_and_the_results_wait_for_the_right_one(
        locked_broker, tmp_path, stations):
    credentials(tmp_path / "st" / "wrong.toml", password="guess")
    st = Station(write_config(tmp_path / "st", locked_broker.port,
                              credentials_file="wrong.toml"))
    stations.append(st)
    st.log_set("P", [rep(1), rep(2)])
    wait_for(lambda: st.publisher.status().authorised is False, 10, "the refusal")
    status = st.publisher.status()
    # Mosquitto 2.0 answers a wrong password with MQTT 5's "Not authorized" (135).
    assert status.error == (f"broker 127.0.0.1:{locked_broker.port} refused the login "
                            "(Not authorized; user 'station')")
    assert "guess" not in repr(status) and not status.connected and st.unsent() == 3
    st.close()
    stations.remove(st)

    rec = Recorder(locked_broker.port, ["gym/st1/+"], username="watcher", password="w")
    credentials(tmp_path / "st" / "right.toml")
    fixed = Station(write_config(tmp_path / "st", locked_broker.port,
                                 credentials_file="right.toml"))
    stations.append(fixed)
    fixed.wait_sent()
    assert fixed.publisher.status().authorised is True
    wait_for(lambda: len(rec.on("gym/st1/rep")) == 2 and rec.on("gym/st1/set"), 10, "results")
    rec.close()


@pytest.mark.parametrize(("mode", "says"), [
    (0o644, "has mode 0644, which lets other users read the broker's password"),
    (0o604, "has mode 0604, which lets other users read the broker's password"),
    (0o660, "has mode 0660, which lets other users change the broker's password"),
])
def test_a_credentials_file_others_may_read_is_refused_naming_its_mode(tmp_path, mode, says):
    path = credentials(tmp_path / "creds.toml", mode=mode)
    with pytest.raises(ConfigError) as err:
        read_credentials(path)
    assert str(err.value).startswith(f"{path}: [mqtt] credentials_file {says}")
    assert "chmod 0640" in str(err.value) and SECRET not in str(err.value)


def test_only_root_or_the_station_user_may_own_the_credentials(tmp_path):
    path = credentials(tmp_path / "creds.toml", mode=0o600)
    assert read_credentials(path).username == "station"
    assert read_credentials(path).password == SECRET
    assert SECRET not in repr(read_credentials(path))
    if os.geteuid() == 0:
        os.chown(path, 4242, 4242)  # someone else's file
        with pytest.raises(ConfigError, match="belongs to uid 4242, neither root nor"):
            read_credentials(path, uid=1000)  # read as the station's user (uid 1000)
        os.chown(path, 1000, 1000)
        assert read_credentials(path, uid=1000).username == "station"


@pytest.mark.parametrize(("text", "says"), [
    ('username = "a"\n', "password missing"),
    ('password = "x"\n', "username missing"),
    (f'username = "a"\npassword = "{SECRET}"\ntoken = 1\n', "unknown key 'token'"),
    (f'username = "a"\npassword = {SECRET}\n', "is not valid TOML"),
])
def test_a_malformed_credentials_file_never_shows_the_password(tmp_path, text, says):
    path = tmp_path / "creds.toml"
    path.write_text(text)
    path.chmod(0o600)
    with pytest.raises(ConfigError) as err:
        read_credentials(path)
    assert says in str(err.value) and SECRET not in str(err.value)


@pytest.fixture
def pki(tmp_path):
    ca = TestCA(tmp_path / "pki", "Gym CA")
    other = TestCA(tmp_path / "pki", "Other CA")
    return {"ca": ca, "other": other, "server": ca.issue("broker", server=True),
            "client": ca.issue("station-client", server=False)}


def tls_broker(tmp_path, pki, require_certificate=False):
    server = pki["server"]
    return Mosquitto(tmp_path / "broker", tls=(pki["ca"].files.cert, server.cert, server.key),
                     require_certificate=require_certificate).start()


def test_tls_with_the_gyms_ca_delivers(tmp_path, pki, stations):
    broker = tls_broker(tmp_path, pki)
    try:
        st = Station(write_config(tmp_path / "st", broker.port, tls=True,
                                  ca_file=str(pki["ca"].files.cert)))
        stations.append(st)
        st.log_set("T", [rep(1)])
        st.wait_sent()
        # The log says sent a moment before the publisher's counters do: wait for them.
        wait_for(lambda: st.publisher.status().sent == 2, 5, "the publisher's count")
        assert st.publisher.status().connected
    finally:
        broker.stop()


def test_a_broker_certificate_the_ca_did_not_sign_is_refused_in_one_line(
        tmp_path, pki, stations):
    broker = tls_broker(tmp_path, pki)
    try:
        st = Station(write_config(tmp_path / "st", broker.port, tls=True,
                                  ca_file=str(pki["other"].files.cert)))
        stations.append(st)
        st.log_set("U", [rep(1)])
        wait_for(lambda: "TLS" in st.publisher.status().error, 10, "the TLS error")
        status = st.publisher.status()
        assert status.error.startswith(f"broker 127.0.0.1:{broker.port}: its TLS certificate "
                                       "is not trusted (")  # OpenSSL's words follow
        assert "\n" not in status.error
        assert not status.connected and st.unsent() == 2
    finally:
        broker.stop()


def test_a_client_certificate_when_the_broker_asks_for_one(tmp_path, pki, stations):
    broker = tls_broker(tmp_path, pki, require_certificate=True)
    try:
        client = pki["client"]
        st = Station(write_config(tmp_path / "st", broker.port, tls=True,
                                  ca_file=str(pki["ca"].files.cert),
                                  cert_file=str(client.cert), key_file=str(client.key)))
        stations.append(st)
        st.log_set("V", [rep(1)])
        st.wait_sent()
        without = Station(write_config(tmp_path / "st2", broker.port, "st2", tls=True,
                                       ca_file=str(pki["ca"].files.cert)))
        stations.append(without)
        without.log_set("W", [rep(1)])
        wait_for(lambda: without.publisher.status().error, 10, "the refusal")
        assert without.publisher.status().error.endswith(
            "does it ask for a client certificate ([mqtt] cert_file)?")
        assert not without.publisher.status().connected
        assert without.unsent() == 2, (without.publisher.status(), broker.log())
    finally:
        broker.stop()


def test_a_ca_file_that_is_no_certificate_is_a_config_error_naming_the_key(tmp_path):
    (tmp_path / "ca.pem").write_text("not a certificate\n")
    config = load_config(write_config(tmp_path, 8883, tls=True, ca_file="ca.pem"))
    with pytest.raises(ConfigError, match=r"ca\.pem: \[mqtt\] ca_file is not a PEM CA"):
        BrokerSettings.from_config(config)
    config = load_config(write_config(tmp_path, 8883, tls=True, ca_file="missing.pem"))
    with pytest.raises(ConfigError, match=r"missing\.pem: \[mqtt\] ca_file not found"):
        BrokerSettings.from_config(config)
