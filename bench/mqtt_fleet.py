"""A gym's fleet on one broker: ten simulated stations publish fast-forwarded hours of sets
to one Mosquitto, and a consumer checks that every result arrived exactly as logged.

Each station is its own process with the real session log (SQLite, its writer thread and
the outbox) and the real publisher (paho, QoS 1); it logs a station's hours of sets (30 sets
of 8-12 reps an hour, faults drawn at random) as fast as this machine goes, then waits until
the broker has acknowledged everything. The broker is Debian's mosquitto, started here on a
free 127.0.0.1 port with a config file of its own. The consumer (one paho client on
`<prefix>/+/rep` and `set`) compares every message, by its id, with the rows of the logs.

    .venv/bin/python -m bench.mqtt_fleet                  # 10 stations, 4 hours each
    .venv/bin/python -m bench.mqtt_fleet --stations 10 --hours 8 --kill-broker

`--kill-broker` SIGKILLs the broker halfway through and starts it again two seconds later
(persistence saved after every change, so the consumer's session and its queue survive: a
broker that saves less often loses what it took since its last save, which no station can
help): the stations queue in their outboxes meanwhile and catch up. The broker then hands
the consumer again what it had already delivered since its last save: duplicates with the
same id and payload, which the consumer drops by id.

It prints messages a second, the broker's and the stations' peak memory, and what was lost
or duplicated.

`--gym` also runs the coach page (`station web`, its own process, as the appliance runs it)
on the same broker and asks its `/api/gym` five times a second while the stations publish:
the answer's p50, p95 and max, the stations it lists, and the page process's peak memory.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import queue
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from station.config import MqttConfig
from station.domain import Fault, RepResult
from station.mqtt.connection import BrokerSettings
from station.mqtt.messages import ResultMessages
from station.mqtt.publisher import Publisher
from station.mqtt.topics import Topics
from station.store import SessionLog, SetEnd, StoreWriter

MOSQUITTO = "/usr/sbin/mosquitto"
PREFIX = "bench"
SETS_PER_HOUR = 30


def peak_rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Broker:
    """mosquitto on 127.0.0.1:port with its own config and persistence in `dir_`."""

    def __init__(self, dir_: Path, port: int, durable: bool) -> None:
        """`durable`: save the broker's state after every change (for --kill-broker: a
        broker killed loses what it took since its last save, whatever the stations do)."""
        self.dir, self.port, self.proc = dir_, port, None
        (dir_ / "mosquitto.conf").write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n"
            f"max_inflight_messages 0\npersistence true\npersistence_location {dir_}/\n"
            f"autosave_interval 1\nlog_dest none\n"
            + ("autosave_on_changes true\n" if durable else "")
            + ("user root\n" if Path("/proc/self").stat().st_uid == 0 else ""))

    def start(self) -> None:
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.dir / "mosquitto.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def fake_rep(rng: random.Random, index: int, t: float) -> RepResult:
    faults = tuple(f for f in Fault if rng.random() < 0.06)
    return RepResult(index, t, t + rng.uniform(2.0, 3.5), faults,
                     "Push your hips back, not down" if faults else "Good hinge",
                     {"hip_travel": rng.uniform(0.1, 0.35), "trunk_deg": rng.uniform(40, 80),
                      "knee_deg": rng.uniform(10, 45), "descent_s": rng.uniform(0.8, 2.0)})


def station_main(n: int, port: int, hours: float, workdir: str, out: mp.Queue) -> None:
    """One station: log `hours` of sets as fast as it can, then wait for every PUBACK."""
    station_id = f"bay-{n:02d}"
    topics = Topics(PREFIX, station_id)
    settings = BrokerSettings.from_config(_Config(port, station_id))
    log_path = Path(workdir) / f"{station_id}.sqlite3"
    publisher = Publisher(settings, log_path, window=64, poll_s=0.2).start()
    writer = StoreWriter(log_path, 1_000_000, ResultMessages(topics), outbox_max=10_000_000,
                         on_outbox=publisher.wake)
    rng = random.Random(n)
    started = time.monotonic()
    sets = int(round(hours * SETS_PER_HOUR))
    for k in range(sets):
        uid = f"{station_id}-{k:05d}"
        writer.begin_set(uid, "2026-03-02T10:00:00+00:00", k % 5 + 1)
        for i in range(1, rng.randint(8, 12) + 1):
            writer.add_rep(uid, fake_rep(rng, i, 3.0 * i))
        writer.end_set(uid, SetEnd("left", None, "done", 40.0))
        if k % 10 == 9:
            writer.flush(60)  # the kiosk logs a set in seconds, never thousands ahead
    writer.flush(120)
    logged = time.monotonic() - started
    while True:
        status = publisher.status()
        if status.outbox == 0 and status.sent > 0:
            break
        if time.monotonic() - started > 300:
            print(f"{station_id}: stuck: {status}", file=sys.stderr, flush=True)
            break
        time.sleep(0.1)
    done = time.monotonic() - started
    writer.close()
    publisher.stop()
    out.put({"station": station_id, "sets": sets, "logged_s": logged, "sent_s": done,
             "sent": publisher.status().sent, "peak_rss_mb": peak_rss_mb()})


class _Config:
    """Just enough of station.config.Config for BrokerSettings.from_config."""

    def __init__(self, port: int, station_id: str) -> None:
        self.mqtt = MqttConfig(host="127.0.0.1", port=port, station_id=station_id,
                               prefix=PREFIX, reconnect_max_s=1.0)
        self.source = None

    def resolve(self, value: str) -> Path:
        return Path(value)


class Consumer:
    """A persistent QoS 1 subscriber that keeps every rep and set by id."""

    def __init__(self, port: int) -> None:
        self.lock = threading.Lock()
        self.by_id: dict[str, bytes] = {}
        self.duplicates = 0
        self.conflicts = 0  # the same id with another payload
        self.first = self.last = 0.0
        self.ready = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-consumer",
                                  protocol=mqtt.MQTTv5)
        self.client.on_connect = lambda c, u, f, r, p: c.subscribe(
            [(f"{PREFIX}/+/rep", 1), (f"{PREFIX}/+/set", 1)])
        self.client.on_subscribe = lambda *a: self.ready.set()
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(0.2, 1)
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 3600
        self.client.connect_async("127.0.0.1", port, 30, clean_start=False, properties=props)
        self.client.loop_start()
        self.ready.wait(10)

    def _on_message(self, client, userdata, msg) -> None:
        msg_id = json.loads(msg.payload)["id"]
        now = time.monotonic()
        with self.lock:
            self.first = self.first or now
            self.last = now
            old = self.by_id.get(msg_id)
            if old is None:
                self.by_id[msg_id] = bytes(msg.payload)
            elif old == msg.payload:
                self.duplicates += 1
            else:
                self.conflicts += 1

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def expected(workdir: Path) -> dict[str, dict]:
    """Every result the logs hold, by id, as the report's fields."""
    out = {}
    for path in sorted(workdir.glob("bay-*.sqlite3")):
        log = SessionLog(path)
        for s in log.sets():
            reps = log.reps(s["uid"])
            for r in reps:
                out[f"{s['uid']}-{r['idx']}"] = {"index": r["idx"], "faults": r["faults"],
                                                 "passed": bool(r["passed"]), "cue": r["cue"],
                                                 "metrics": r["metrics"]}
            out[s["uid"]] = {"summary": {"reps": len(reps),
                                         "passed": sum(r["passed"] for r in reps),
                                         "failed": sum(not r["passed"] for r in reps)}}
        log.close()
    return out


class GymPage:
    """`station web` on the bench's broker, asked for /api/gym five times a second."""

    def __init__(self, workdir: Path, broker_port: int) -> None:
        from station.web.pin import hash_pin

        folder = workdir / "web"
        folder.mkdir()
        port = free_port()
        (folder / "web-pin").write_text(hash_pin("4711", iterations=1000) + "\n")
        (folder / "station.toml").write_text(
            f'[store]\npath = "sessions.sqlite3"\n[web]\nhost = "127.0.0.1"\nport = {port}\n'
            f'[mqtt]\nhost = "127.0.0.1"\nport = {broker_port}\nstation_id = "bench-web"\n'
            f'prefix = "{PREFIX}"\n')
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "station.cli", "web", "--config",
             str(folder / "station.toml")], stderr=subprocess.PIPE, text=True)
        assert self.proc.stderr is not None
        while "serving" not in self.proc.stderr.readline():
            if self.proc.poll() is not None:
                raise RuntimeError("station web did not start")
        self.url = f"http://127.0.0.1:{port}/api/gym"
        self.times: list[float] = []
        self.listed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import urllib.request

        while not self._stop.wait(0.2):
            t0 = time.perf_counter()
            with urllib.request.urlopen(self.url, timeout=30) as r:
                body = json.loads(r.read())
            self.times.append(1000 * (time.perf_counter() - t0))
            self.listed = len(body["stations"])

    def close(self) -> str:
        self._stop.set()
        self._thread.join(10)
        peak = peak_rss_mb(self.proc.pid)
        self.proc.terminate()
        self.proc.wait(10)
        t = sorted(self.times)
        if not t:
            return "gym page: no answer"
        return (f"gym page /api/gym while they published: {len(t)} asks, p50 "
                f"{t[len(t) // 2]:.1f} ms, p95 {t[int(len(t) * 0.95)]:.1f} ms, max "
                f"{t[-1]:.1f} ms; {self.listed} stations listed; the page's peak RSS "
                f"{peak:.1f} MB")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stations", type=int, default=10)
    ap.add_argument("--hours", type=float, default=4.0, help="hours of sets per station")
    ap.add_argument("--kill-broker", action="store_true",
                    help="SIGKILL the broker halfway, start it again 2 s later")
    ap.add_argument("--gym", action="store_true",
                    help="time the coach page's /api/gym while the stations publish")
    args = ap.parse_args()
    if not Path(MOSQUITTO).exists():
        print("bench: mosquitto missing (./install.sh --dev installs it)", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="mqtt-fleet-"))
    broker = Broker(workdir, free_port(), durable=args.kill_broker)
    broker.start()
    consumer = Consumer(broker.port)
    gym = GymPage(workdir, broker.port) if args.gym else None
    ctx = mp.get_context("fork")
    out: mp.Queue = ctx.Queue()
    started = time.monotonic()
    procs = [ctx.Process(target=station_main, args=(n, broker.port, args.hours,
                                                    str(workdir), out))
             for n in range(1, args.stations + 1)]
    for p in procs:
        p.start()
    total_sets = args.stations * int(round(args.hours * SETS_PER_HOUR))
    broker_peak = 0.0
    killed = False
    results = []
    while len(results) < len(procs):
        with contextlib.suppress(queue.Empty):
            results.append(out.get(timeout=0.5))
        if broker.proc.poll() is None:
            broker_peak = max(broker_peak, peak_rss_mb(broker.proc.pid))
        if args.kill_broker and not killed:
            with consumer.lock:
                got = len(consumer.by_id)
            if got > total_sets * 10 * 1.1 / 2:  # about half of the messages
                broker_peak = max(broker_peak, peak_rss_mb(broker.proc.pid))
                broker.kill()
                killed = True
                print(f"broker killed after {got} results; back in 2 s", flush=True)
                time.sleep(2.0)
                broker.start()
    for p in procs:
        p.join()
    want = expected(workdir)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with consumer.lock:
            if len(consumer.by_id) >= len(want):
                break
        time.sleep(0.1)
    time.sleep(0.5)
    broker_peak = max(broker_peak, peak_rss_mb(broker.proc.pid))
    gym_report = gym.close() if gym is not None else ""
    consumer.close()
    broker.stop()

    wrong = missing = 0
    for msg_id, fields in want.items():
        got = consumer.by_id.get(msg_id)
        if got is None:
            missing += 1
            continue
        body = json.loads(got)
        if any(body.get(k) != v for k, v in fields.items()):
            wrong += 1
    extra = len(set(consumer.by_id) - set(want))
    span = consumer.last - consumer.first
    rss = [r["peak_rss_mb"] for r in results]
    print(f"stations: {args.stations}, {args.hours:g} h of sets each "
          f"({total_sets} sets, {len(want)} results) on one mosquitto"
          + (" killed halfway" if killed else ""))
    print(f"delivered: {len(consumer.by_id)} of {len(want)} results; missing {missing}, "
          f"not as logged {wrong}, unknown {extra}, duplicates {consumer.duplicates} "
          f"(same id, same payload), conflicts {consumer.conflicts}")
    print(f"throughput: {len(consumer.by_id) / span:,.0f} results/s at the consumer "
          f"over {span:.1f} s (all stations, first to last); whole run "
          f"{time.monotonic() - started:.1f} s")
    print(f"memory (peak RSS): broker {broker_peak:.1f} MB; stations "
          f"{min(rss):.1f}-{max(rss):.1f} MB each (mean {sum(rss) / len(rss):.1f})")
    slowest = max(results, key=lambda r: r["sent_s"])
    print(f"slowest station: logged in {slowest['logged_s']:.1f} s, all acknowledged after "
          f"{slowest['sent_s']:.1f} s")
    if gym_report:
        print(gym_report)
    shutil.rmtree(workdir, ignore_errors=True)
    return 0 if missing == wrong == extra == consumer.conflicts == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
