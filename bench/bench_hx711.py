"""HX711 driver figures on this machine: cost per reading, and the reader's CPU share at 80 SPS.

    .venv/bin/python -m bench.bench_hx711 [--seconds 10] [--reads 400]

1. Cost of one read's 25 clock pulses: the driver on bare MockPins (driver and gpiozero only),
   and against the pin-level emulator (which runs inside the pin writes, so it adds its own).
2. The sampling loop at 80 SPS against the emulator, as the reader process the station uses
   and as a thread, each alone and beside a busy pure-Python thread (what pygame and the coach
   do to the GIL): CPU share of one core, readings per second, long pulses discarded.
3. Latency: load steps at known times in the emulated chip; when the sensor's samples show them
   (the sample's time stamp, and its arrival in the polling process). A 5 N step, as the band
   moves, and a 20 N jump, which the spike test holds back until it is the median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

from gpiozero.pins.mock import MockFactory

from station.config import HX711Config, TensionConfig
from station.sim.hx711_emulator import HX711Emulator
from station.sim.load_cell import SimulatedLoad
from station.tension.calibration import Calibration
from station.tension.hx711 import HX711, ReadStatus, read_timeout
from station.tension.sensor import TensionSensor


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def bench_shift(reads: int) -> None:
    print("1. one read (24 bits + 1 gain pulse)")
    factory = MockFactory()
    hx = HX711(5, 6, pin_factory=factory)  # bare MockPins: DOUT never changes
    walls, highs = [], []
    for _ in range(reads):
        t0 = time.perf_counter_ns()
        _, longest, _ = hx._shift(25)
        walls.append((time.perf_counter_ns() - t0) / 1000)
        highs.append(longest / 1000)
    hx.close()
    print(f"   driver on bare MockPins:   read {statistics.median(walls):7.1f} us median, "
          f"{_pct(walls, 0.99):7.1f} us p99; pulse high {statistics.median(highs):5.1f} us "
          f"median, {_pct(highs, 0.99):5.1f} us p99, {max(highs):6.1f} us max")

    factory = MockFactory()
    emu = HX711Emulator(5, 6, pin_factory=factory, counts=123456, noise_counts=50)
    hx = emu.driver()
    walls, highs, cpu = [], [], []
    statuses: dict[str, int] = {}
    timeout = read_timeout(hx)
    for _ in range(reads):
        c0 = time.thread_time_ns()
        r = hx.read(timeout)
        cpu.append((time.thread_time_ns() - c0) / 1000)
        statuses[r.status.value] = statuses.get(r.status.value, 0) + 1
        highs.append(r.longest_pulse_ns / 1000)
    n = 0
    while n < reads:  # the shift alone, with the emulator's work inside the pulses
        if not hx._dout.state:
            t0 = time.perf_counter_ns()
            _, longest, _ = hx._shift(25)
            walls.append((time.perf_counter_ns() - t0) / 1000)
            n += 1
            if longest > emu.power_down_us * 1000:  # as read() does: it may have powered down
                hx.power_down()
                hx.power_up()
        else:
            time.sleep(0.0005)
    hx.close()
    print(f"   driver + emulator:         read {statistics.median(walls):7.1f} us median, "
          f"{_pct(walls, 0.99):7.1f} us p99; pulse high {statistics.median(highs):5.1f} us "
          f"median, {_pct(highs, 0.99):5.1f} us p99, {max(highs):6.1f} us max")
    print(f"   CPU per reading incl. waiting for DOUT: {statistics.median(cpu):.0f} us median; "
          f"outcomes {statuses}")


def _proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Busy:
    """A pure-Python busy thread: holds the GIL as pygame and the coach would."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._spin, daemon=True)

    def _spin(self) -> None:
        x = 0
        while not self.stop.is_set():
            for i in range(1000):
                x += i * i

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def bench_process(seconds: float, busy: bool) -> None:
    sensor = TensionSensor(HX711Config(), TensionConfig(),
                           Calibration(offset_counts=0, newtons_per_count=0.001, calibrated=True),
                           simulate=SimulatedLoad(counts=50_000, noise_counts=50))
    with sensor:
        while not sensor.poll():  # wait until it delivers
            time.sleep(0.01)
        pid = sensor._process.pid
        c0, t0 = _proc_cpu_s(pid), time.monotonic()
        n = 0
        with _Busy() if busy else _nullcontext():
            while time.monotonic() - t0 < seconds:
                n += len(sensor.poll())
                time.sleep(0.02)
        cpu, wall = _proc_cpu_s(pid) - c0, time.monotonic() - t0
        status = sensor.status()
        priority = sensor.priority
    label = "process" + (" + busy thread" if busy else "")
    print(f"   {label:24s} CPU {100 * cpu / wall:5.1f}% of a core, {n / wall:5.1f} samples/s, "
          f"reads {status.outcomes}, scheduling: {priority}")


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def bench_thread(seconds: float, busy: bool) -> None:
    factory = MockFactory()
    hx = HX711Emulator(5, 6, pin_factory=factory, counts=50_000, noise_counts=50).driver()
    counts: dict[ReadStatus, int] = {}
    cpu = [0.0]
    stop = threading.Event()

    def loop() -> None:
        c0 = time.thread_time()
        timeout = read_timeout(hx)
        while not stop.is_set():
            r = hx.read(timeout)
            counts[r.status] = counts.get(r.status, 0) + 1
        cpu[0] = time.thread_time() - c0

    hx.read(1.0)
    reader = threading.Thread(target=loop, daemon=True)
    t0 = time.monotonic()
    reader.start()
    with _Busy() if busy else _nullcontext():
        time.sleep(seconds)
    stop.set()
    reader.join()
    wall = time.monotonic() - t0
    hx.close()
    total = sum(counts.values())
    ok = counts.get(ReadStatus.OK, 0)
    lost = total - ok
    label = "thread" + (" + busy thread" if busy else "")
    print(f"   {label:24s} CPU {100 * cpu[0] / wall:5.1f}% of a core, {ok / wall:5.1f} samples/s, "
          f"rejected {100 * lost / max(total, 1):4.1f}% "
          f"({counts.get(ReadStatus.LONG_PULSE, 0)} long pulses)")


def bench_latency(newtons: float, steps: int = 8) -> None:
    """Load steps of +-`newtons` at known times; when does the station see them?"""
    print(f"3. latency of a {newtons:g} N load step, {steps} steps, median window "
          f"{TensionConfig().median_window}, polled every 1 ms")
    first = time.monotonic() + 2.0
    times = [first + 0.5 * i for i in range(steps)]
    deltas = [1000.0 * newtons * (1 if i % 2 == 0 else -1) for i in range(steps)]
    sensor = TensionSensor(HX711Config(), TensionConfig(auto_tare=False),
                           Calibration(offset_counts=0, newtons_per_count=0.001, calibrated=True),
                           simulate=SimulatedLoad(counts=30_000, noise_counts=50,
                                                  steps=tuple(zip(times, deltas, strict=True))))
    stamped, arrived = [], []
    with sensor:
        level = 30.0
        i = 0
        while i < steps and time.monotonic() < times[-1] + 2.0:
            now = time.monotonic()
            for sample in sensor.poll():
                target = level + deltas[i] / 1000
                if sample.t >= times[i] and abs(sample.force_n - target) < newtons / 2:
                    stamped.append(1000 * (sample.t - times[i]))
                    arrived.append(1000 * (now - times[i]))
                    level = target
                    i += 1
                    if i == steps:
                        break
            time.sleep(0.001)
    if not stamped:
        print("   no step seen")
        return
    print(f"   the first sample past half the step is stamped {statistics.median(stamped):.0f} ms"
          f" after it (median; {min(stamped):.0f}-{max(stamped):.0f}) and reaches the station "
          f"{statistics.median(arrived):.0f} ms after it ({min(arrived):.0f}-{max(arrived):.0f})"
          f"; {len(stamped)} of {steps} steps seen")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--reads", type=int, default=400)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}")
    bench_shift(args.reads)
    print(f"2. sampling at 80 SPS for {args.seconds:g} s against the emulator")
    for busy in (False, True):
        bench_process(args.seconds, busy)
        bench_thread(args.seconds, busy)
    for newtons in (5.0, 20.0):
        bench_latency(newtons)


if __name__ == "__main__":
    main()
