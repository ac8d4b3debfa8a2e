"""The publisher wired into the demo that keeps a session log, and into `station run`'s
log: every rep and set the log holds reaches the broker, with the live state and badges."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pygame
import pytest

from station.cards.events import CardShown
from station.cli import main
from station.config import load_config
from station.flow.flow import StationFlow
from station.hardware.buzzer import AlertBuzzer
from station.kiosk import theme as th
from station.kiosk.screens import Renderer
from station.live.broker import open_log
from station.live.page_state import page_state
from station.logbook.roster import add_athlete
from station.store import SessionLog
from tests.mqtt.broker import Recorder, wait_for
from tests.mqtt.station_kit import rep, write_config


def test_the_demo_tour_publishes_everything_its_log_holds(broker, tmp_path, capsys):
    rec = Recorder(broker.port, ["gym/#"])
    config = write_config(tmp_path / "cfg", broker.port, "demo-1")
    shots = tmp_path / "shots"
    assert main(["demo", "--headless", "--screenshots", str(shots), "--config",
                 str(config)]) == 0
    db = sqlite3.connect(shots / "sessions.sqlite3")
    logged = [f"{uid}-{idx}" for uid, idx in db.execute(
        "SELECT sets.uid, reps.idx FROM reps JOIN sets ON sets.id = reps.set_id "
        "ORDER BY sets.id, reps.idx")]
    sets = [uid for (uid,) in db.execute("SELECT uid FROM sets ORDER BY id")]
    assert db.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0] == 0
    db.close()
    assert len(logged) >= 5 and len(sets) == 2
    wait_for(lambda: len(rec.on("gym/demo-1/set")) == 2, 10, "both sets")
    assert [m.json()["id"] for m in rec.on("gym/demo-1/rep")] == logged
    assert [m.json()["id"] for m in rec.on("gym/demo-1/set")] == sets
    screens = [m.json()["screen"] for m in rec.on("gym/demo-1/live")]
    assert {"idle", "setup", "coaching", "summary"} <= set(screens)
    lives = [m.json() for m in rec.on("gym/demo-1/live")]
    # Class mode's number, as "#n" and as a number; no card is shown in the demo.
    numbered = [(m["athlete"], m["class_athlete"]) for m in lives if m["athlete"] is not None]
    assert numbered and all(a == f"#{n}" for a, n in numbered)
    assert all(m["athlete_id"] is None for m in lives)
    # On the summary screen the live state carries the set's count (as the coach page
    # does), not the live count already reset for the next athlete.
    summaries = [(m["reps"], m["passed"]) for m in lives if m["screen"] == "summary"]
    done = [(m.json()["summary"]["reps"], m.json()["summary"]["passed"])
            for m in rec.on("gym/demo-1/set")]
    assert summaries and set(summaries) <= set(done) and (0, 0) not in summaries
    parts = rec.on("gym/demo-1/health")[-1].json()["parts"]
    assert set(parts) == {"camera", "pose", "load cell", "buzzer", "storage"}
    assert parts["storage"] == {"ok": True, "reason": ""}
    assert rec.on("gym/demo-1/status")[-1].payload == b"offline"  # the demo said goodbye
    rec.close()


def test_a_password_file_the_station_cannot_use_still_queues_the_results(tmp_path, caplog):
    creds = tmp_path / "creds.toml"
    creds.write_text('username = "a"\npassword = "b"\n')
    creds.chmod(0o644)  # everyone may read it: refused
    config = load_config(write_config(tmp_path, 1883, credentials_file="creds.toml"))
    store, link = open_log(config)
    assert link.publisher is None
    assert link.error == (f"{creds}: [mqtt] credentials_file has mode 0644, which lets other "
                          "users read the broker's password: chmod 0640 (owner root, group "
                          "station) or 0600")
    assert "results wait in the outbox" in caplog.text
    store.begin_set("q", "2026-03-02T10:00:00+00:00")
    store.add_rep("q", rep(1))
    assert store.flush()
    store.close()
    link.stop()
    db = sqlite3.connect(config.resolve(config.store.path))
    (payload,) = db.execute("SELECT payload FROM outbox WHERE sent_at IS NULL").fetchone()
    assert json.loads(payload)["id"] == "q-1"
    db.close()


@pytest.mark.parametrize("names_need_pin", [False, True])
def test_the_logs_results_name_the_cards_athlete_as_the_live_state_does(tmp_path,
                                                                          names_need_pin):
    """`station run`'s log queues a rep that names the athlete whose card started the set
    (or "#<id>" where names need the PIN), with their roster id."""
    path = write_config(tmp_path, 1883, credentials_file="creds.toml")
    (tmp_path / "creds.toml").write_text("")
    (tmp_path / "creds.toml").chmod(0o644)  # a file it cannot use: nothing connects
    path.write_text(path.read_text() + f"[web]\nnames_need_pin = {str(names_need_pin).lower()}\n")
    config = load_config(path)
    log = SessionLog(config.resolve(config.store.path))
    sam = add_athlete(log.db, "Sam", "", "test")
    log.close()
    store, link = open_log(config)
    assert link.publisher is None
    store.begin_set("c", "2026-03-02T10:00:00+00:00", None, sam["id"])
    store.add_rep("c", rep(1))
    assert store.flush()
    store.close()
    db = sqlite3.connect(config.resolve(config.store.path))
    (payload,) = db.execute("SELECT payload FROM outbox").fetchone()
    db.close()
    sent = json.loads(payload)
    assert (sent["athlete"], sent["athlete_id"], sent["class_athlete"]) == (
        "#1" if names_need_pin else "Sam", 1, None)


def test_without_an_mqtt_section_there_is_no_outbox_and_no_publisher(tmp_path):
    path = tmp_path / "station.toml"
    path.write_text('[store]\npath = "s.sqlite3"\n')
    store, link = open_log(load_config(path))
    store.begin_set("r", "t")
    store.add_rep("r", rep(1))
    assert store.flush()
    store.close()
    assert link.publisher is None and link.stop() == 0
    db = sqlite3.connect(tmp_path / "s.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM reps").fetchone()[0] == 1
    db.close()


def test_the_broker_badge_follows_the_publisher_and_the_kiosk_draws_it(broker, tmp_path):
    """The station's flow and its broker link as `station run` wires them, on a real
    Mosquitto: no badge while all is sent, "offline, N waiting" with the broker killed (the
    kiosk draws it red on its strip), and none again once the broker is back and took all."""
    rec = Recorder(broker.port, ["gym/bay-7/health"])
    config = load_config(write_config(tmp_path, broker.port, "bay-7"))
    store, link = open_log(config)
    flow = StationFlow(config, AlertBuzzer(None), store)
    link.attach(flow)
    clock = [0.0]

    def badge() -> str | None:
        clock[0] += 0.1
        flow.drain(clock[0])
        link.after_frame()
        flow.tick(clock[0])
        found = [b.reason for b in flow.view.badges if b.name == "broker"]
        return found[0] if found else None

    try:
        wait_for(lambda: link.publisher.status().connected and badge() is None, 10,
                 "connected, no badge")
        wait_for(lambda: rec.messages, 5, "the health")
        assert "broker" not in rec.messages[-1].json()["parts"]  # the strip's, not a part
        broker.kill()
        store.begin_set("k1", "2026-03-02T10:00:00+00:00")
        for i in (1, 2, 3):
            store.add_rep("k1", rep(i))
        assert store.flush()
        wait_for(lambda: badge() == "offline, 3 waiting", 10, "the badge")
        # The coach page's Now shows the strip as the kiosk does.
        assert {"name": "broker", "ok": False, "reason": "offline, 3 waiting"} in \
            page_state(flow)["badges"]

        pygame.display.init()
        pygame.font.init()
        try:
            r = Renderer(800, 480)
            surf = pygame.Surface((800, 480))
            r.render(surf, flow.view)
            pill = r.regions["badge:broker"]
            px = pygame.surfarray.array3d(surf.subsurface(pill))
            assert float(np.all(px == np.array(th.RED), axis=2).mean()) > 0.3
            assert surf.get_rect().contains(pill)
            shots = Path(__file__).resolve().parents[2] / "out" / "screenshots" / "kiosk"
            shots.mkdir(parents=True, exist_ok=True)
            pygame.image.save(surf, str(shots / "broker-offline-all-down-800x480.png"))
            # A station whose parts are all up: the broker's reason has the room.
            for b in flow.view.badges:
                if b.name != "broker":
                    b.ok, b.reason = True, ""
            r.render(surf, flow.view)
            name = r.regions["badge_name:broker"]
            words = r.theme.badge.size("BROKER: offline, 3 waiting")[0]
            assert r.regions["badge:broker"].width > words > name.width
            pygame.image.save(surf, str(shots / "broker-offline-800x480.png"))
            big = pygame.Surface((1280, 720))
            Renderer(1280, 720).render(big, flow.view)
            pygame.image.save(big, str(shots / "broker-offline-1280x720.png"))
        finally:
            pygame.display.quit()

        broker.start()
        wait_for(lambda: badge() is None and link.publisher.status().outbox == 0, 20,
                 "the backlog sent and the badge gone")
    finally:
        store.close()
        link.stop()
        rec.close()


@pytest.mark.parametrize("names_need_pin", [False, True])
def test_the_live_state_names_the_athlete_known_by_their_card(broker, tmp_path,
                                                                names_need_pin):
    """A card shown at the station: the broker's live state names its athlete as the coach
    page does (their name, or "#<id>" where names need the PIN), with their roster id."""
    rec = Recorder(broker.port, ["gym/bay-8/live"])
    path = write_config(tmp_path, broker.port, "bay-8")
    path.write_text(path.read_text() + f"[web]\nnames_need_pin = {str(names_need_pin).lower()}\n")
    config = load_config(path)
    store, link = open_log(config)
    flow = StationFlow(config, AlertBuzzer(None), store)
    link.attach(flow)
    try:
        flow.feed(CardShown(7, "Sam", 0.0), 0.0)
        flow.tick(0.1)
        link.after_frame()
        want = "#7" if names_need_pin else "Sam"
        wait_for(lambda: any(m.json()["athlete"] == want for m in rec.on("gym/bay-8/live")),
                 10, "the card's athlete")
        live = next(m.json() for m in rec.on("gym/bay-8/live") if m.json()["athlete"])
        assert (live["screen"], live["athlete"], live["athlete_id"], live["class_athlete"]) == (
            "setup", want, 7, None)
        if names_need_pin:  # the name never reaches the broker
            assert all("Sam" not in m.payload.decode() for m in rec.on("gym/bay-8/live"))
    finally:
        store.close()
        link.stop()
        rec.close()
