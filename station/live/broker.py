"""The station's side of the gym's broker, for `station run` and the demo that keeps a log.

`open_log` builds the session log's writer and, when the config has an [mqtt] section, its
outbox and the publisher (`station.mqtt.publisher`). Once a frame `BrokerLink.after_frame`
hands the flow's screen, athlete, reps and badges to the publisher, and the publisher's
state (connected, results waiting) to the broker badge: values under a lock, never the
network, so the kiosk's loop never waits on it. A settings file the publisher
cannot use (an unreadable password file, a bad certificate) is one line in the journal;
the results still go into the outbox, and out once the file is fixed and the station
restarted.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from station.config import Config
from station.errors import ConfigError
from station.flow.badges import BROKER, BrokerState
from station.flow.flow import StationFlow
from station.mqtt.messages import LiveState, PartHealth, ResultMessages, live_athlete
from station.mqtt.publisher import Publisher, PublisherStatus, publisher_for
from station.mqtt.topics import Topics, station_id_for
from station.store import StoreWriter

log = logging.getLogger("station.broker")


@dataclass
class BrokerLink:
    """The publisher beside a running flow (or nothing, without [mqtt])."""

    publisher: Publisher | None = None
    error: str = ""  # why there is no publisher although [mqtt] is set
    flow: StationFlow | None = None
    names_shown: bool = True  # False: [web] names_need_pin, the broker gets "#<id>" only
    _said: str = field(default="", repr=False)

    def attach(self, flow: StationFlow) -> None:
        self.flow = flow

    def after_frame(self) -> None:
        """The flow's state to the publisher and the publisher's to the broker badge (values
        under a lock, no I/O); a changed broker error to the journal (one line, never a
        password)."""
        flow = self.flow
        if flow is None:
            return
        if self.publisher is None:
            if self.error:  # [mqtt] is set, but its files cannot be used
                flow.report_broker(BrokerState(False, 0, "bad settings"), flow.view.now)
            return
        view = flow.view
        on = flow.athlete_on
        number = flow.athlete if flow.class_mode.on else None
        athlete, athlete_id = live_athlete((on.id, on.name) if on else None, number,
                                           self.names_shown)
        self.publisher.set_live(LiveState(
            view.screen.value, athlete, *view.counts, flow.set_log.uid, athlete_id, number))
        parts = {b.name: PartHealth(b.ok, b.reason) for b in view.badges if b.name != BROKER}
        store = flow.store
        if store is not None:
            parts["storage"] = PartHealth(store.ok, store.reason)
        self.publisher.set_health(parts)
        status = self.publisher.status()
        flow.report_broker(broker_state(status), view.now)
        error = status.error
        if error != self._said:
            self._said = error
            if error:
                log.warning("%s", error)
            else:
                log.info("broker reached")

    def stop(self, settle_s: float = 0.0) -> int:
        """Stop the publisher, after up to `settle_s` seconds for the outbox to empty;
        returns the results left unsent (they go at the next start)."""
        if self.publisher is None:
            return 0
        deadline = time.monotonic() + settle_s
        while time.monotonic() < deadline and self.publisher.status().outbox != 0:
            time.sleep(0.05)
        left = max(0, self.publisher.status().outbox)
        self.publisher.stop()
        return left


def broker_state(status: PublisherStatus) -> BrokerState:
    """The publisher's status as the broker badge reads it."""
    problem = ""
    if not status.connected and status.authorised is False:
        problem = "login refused"
    elif not status.connected and status.error:
        problem = "offline"
    return BrokerState(status.connected, max(0, status.outbox), problem)


def open_log(config: Config, path: Path | None = None) -> tuple[StoreWriter, BrokerLink]:
    """The session log's writer (at `path`, or the config's), with the broker's outbox and
    publisher when the config has [mqtt]."""
    path = path or config.resolve(config.store.path)
    m = config.mqtt
    if m is None:
        return StoreWriter(path, config.store.max_sets), BrokerLink()
    link = BrokerLink(names_shown=not config.web.names_need_pin)
    try:
        link.publisher = publisher_for(config, path)
    except ConfigError as exc:
        link.error = str(exc)
        log.error("broker: %s; results wait in the outbox", exc)
    topics = Topics(m.prefix, station_id_for(m))
    store = StoreWriter(path, config.store.max_sets, ResultMessages(topics, link.names_shown),
                        m.outbox_max,
                        on_outbox=link.publisher.wake if link.publisher else None)
    if link.publisher is not None:
        link.publisher.start()
    return store, link
