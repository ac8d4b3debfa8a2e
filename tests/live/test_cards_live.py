"""Cards and the coach page on the live station: a real clip played as the camera with a
printed card held up in its first frames, the real card watcher (zxing-cpp), the real flow
and session log, the kiosk's own loop (headless), the page's requests and state."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np

from station.cards.reader import CardReader
from station.cards.sheet import LAYOUTS, Card, render_card
from station.cards.watcher import CardWatcher, RosterLookup
from station.hardware.camera import Frame
from station.live.page_state import PagePublisher
from station.live.supervisor import LiveStation
from station.logbook.read import live, open_log
from station.logbook.requests import RequestInbox
from station.logbook.roster import RosterLine, import_roster
from station.sim.card_scene import Holding, place_card
from station.store import SessionLog
from tests.live.test_degrade import FAST, ClipCamera, ClipPose, Run


class CardCamera(ClipCamera):
    """The clip, with the athlete's card held up in front of them for the first frames."""

    def __init__(self, clips, payload: str, card_frames: int) -> None:
        super().__init__(clips)
        lay = LAYOUTS["a4"]
        self.card = np.asarray(render_card(Card(payload, 1, "Sam", payload[-8:]), lay, 2.0))
        self.mm = (lay.card_w_mm, lay.card_h_mm)
        self.card_frames = card_frames
        self.rng = np.random.default_rng(0)

    def read(self) -> Frame:
        frame = super().read()
        if frame.index < self.card_frames:
            image = place_card(frame.image, self.card, self.mm, (180, 230), 1.2,
                               Holding(yaw_deg=10, defocus_px=0.5), self.rng)
            frame = Frame(frame.t, image, frame.index)
        return frame


def test_a_card_on_the_live_camera_names_the_set_and_the_page_sees_it(tmp_path, clips_dir):
    log_path = tmp_path / "sessions.sqlite3"
    SessionLog(log_path).close()
    db = open_log(log_path, write=True)
    (sam,) = import_roster(db, [RosterLine("Sam Jones", "Sam")], "t")
    station_id = db.execute("SELECT value FROM meta").fetchone()[0]
    db.execute("INSERT INTO requests (at, what, value) VALUES (?, 'mute', '1')",
               (datetime.now(UTC).isoformat(timespec="seconds"),))
    db.close()
    run = Run(tmp_path, lambda: None, None)
    flow, store = run.flow, run.store
    lookup = RosterLookup(log_path)
    cards = CardWatcher(CardReader(station_id), lookup, flow.submit, rate_hz=10)
    requests = RequestInbox(log_path, flow.submit, every_s=0.1)
    page = PagePublisher(store)
    camera = CardCamera(clips_dir, f"HS1:{station_id}:{sam['card']}", card_frames=90)
    run.station = LiveStation(run.config, flow, lambda: camera, ClipPose(clips_dir), None,
                              camera_backoff=FAST, cards=cards, requests=requests, page=page)
    seen: dict[str, list] = {"athlete": [], "armed": [], "screen": []}
    original = run.after_frame

    def after_frame() -> None:
        original()
        seen["athlete"].append(flow.view.athlete_name)
        seen["armed"].append(cards.armed)
        seen["screen"].append(flow.view.screen)

    run.after_frame = after_frame
    t0 = time.monotonic()
    run.run(frames=600, until=lambda r: flow.view.screen.value == "coaching"
            and len(flow.reps) >= 1)
    assert "Sam" in seen["athlete"], "the card was never read"
    first = seen["athlete"].index("Sam")
    assert seen["screen"][first].value == "setup"
    # The watcher looked only between sets: disarmed once coaching began.
    coaching = [i for i, s in enumerate(seen["screen"]) if s.value == "coaching"]
    assert coaching and not any(seen["armed"][i] for i in coaching[1:])
    assert flow.athlete_on is not None and flow.athlete_on.id == sam["id"]
    assert flow.buzzer.muted  # the page's request was taken and done
    assert cards.decoded >= 3 and cards.decode_s / cards.decoded < 0.05
    assert time.monotonic() - t0 < 60
    reader = open_log(log_path)
    state = live(reader)
    assert state.state["athlete"] == {"id": sam["id"], "name": "Sam"}
    assert state.state["muted"] is True and state.state["screen"] == "coaching"
    assert reader.execute("SELECT result FROM requests").fetchone()[0] == "Buzzer muted"
    (row,) = reader.execute("SELECT athlete_id FROM sets").fetchall()
    assert row == (sam["id"],)
