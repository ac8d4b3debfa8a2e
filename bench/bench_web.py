"""The coach page's cost: answer times with 10,000 sets in the log, the server's memory, and
the kiosk's render time with and without the page open and polling.

    .venv/bin/python -m bench.bench_web [--sets 10000] [--render-frames 900] [--no-render]

1. A session log of `--sets` sets (20 athletes over 90 days, about 8 reps a set) is written.
2. `station web` serves it from its own process, on a free loopback port, as the appliance
   runs it. Each page is asked 30 times, one after another: p50, p95 and max in ms (targets:
   under 300 ms).
3. The server's resident memory after start and after all of it, from /proc (target: under
   60 MB; VmHWM is the peak).
4. bench.bench_render runs (a separate process, the kiosk's drawing on the simulated set
   and a real clip) alone; with five clients asking /api/now once a second, as five phones
   with the page open make the server work (the phones' browsers run on the phones); and
   with headless Chromium (Debian's) holding the live page open on this machine too, an
   upper bound no station sees. Twice each, alternating, since this machine's speed swings.
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from station.sim.logbook import fill_log
from station.web.pin import hash_pin

REPO = Path(__file__).resolve().parents[1]

PAGES = ("/", "/api/now", "/athletes", "/athletes/1", "/rotation", "/sets", "/sets/{uid}",
         "/settings", "/export/today.csv", "/export/athlete-1.json", "/export/sets.csv")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process, MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def get(url: str) -> float:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as r:
        r.read()
        assert r.status == 200, url
    return (time.perf_counter() - t0) * 1000


def render(frames: int) -> dict[str, str]:
    """bench.bench_render's 'every frame' lines: size -> 'mean .. p95 .. | cpu ..'."""
    out = subprocess.run([sys.executable, "-m", "bench.bench_render",
                          "--frames", str(frames)], capture_output=True, text=True,
                         timeout=900, cwd=REPO).stdout
    found, size = {}, ""
    for line in out.splitlines():
        m = re.match(r"(\d+x\d+): ", line)
        if m:
            size = m.group(1)
        if "every frame" in line:
            found[size] = line.split("every frame", 1)[1].strip()
    return found


class Pollers:
    """Clients asking /api/now once a second each (phones with the page open)."""

    def __init__(self, url: str, n: int) -> None:
        self.stop = threading.Event()
        self.times: list[float] = []
        self.threads = [threading.Thread(target=self._run, args=(url,), daemon=True)
                        for _ in range(n)]
        for t in self.threads:
            t.start()

    def _run(self, url: str) -> None:
        while not self.stop.wait(1.0):
            self.times.append(get(url + "/api/now"))

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=int, default=10_000)
    ap.add_argument("--render-frames", type=int, default=900)
    ap.add_argument("--no-render", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-web-"))
    port = free_port()
    (tmp / "station.toml").write_text(f'[store]\npath = "sessions.sqlite3"\nmax_sets = '
                                      f'{max(args.sets, 10)}\n[web]\nhost = "127.0.0.1"\n'
                                      f"port = {port}\n")
    (tmp / "web-pin").write_text(hash_pin("4711") + "\n")
    t0 = time.perf_counter()
    fill_log(tmp / "sessions.sqlite3", args.sets, athletes=20, days=90, seed=3)
    size_mb = (tmp / "sessions.sqlite3").stat().st_size / 1e6
    print(f"log: {args.sets} sets, {size_mb:.1f} MB, written in {time.perf_counter() - t0:.0f} s")

    proc = subprocess.Popen([sys.executable, "-m", "station.cli", "web", "--config",
                             str(tmp / "station.toml")], cwd=REPO, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert "serving" in line, line
    url = f"http://127.0.0.1:{port}"
    chromium = None
    try:
        rss0, _ = memory_mb(proc.pid)
        import sqlite3
        uid = sqlite3.connect(tmp / "sessions.sqlite3").execute(
            "SELECT uid FROM sets ORDER BY id DESC LIMIT 1").fetchone()[0]
        print(f"\npage answer times, {args.sets} sets in the log (ms, 30 asks each, "
              "one at a time)")
        worst = 0.0
        for page in PAGES:
            path = page.format(uid=uid)
            ms = sorted(get(url + path) for _ in range(30))
            p95 = ms[int(0.95 * (len(ms) - 1))]
            worst = max(worst, p95)
            print(f"  {page:<24} p50 {statistics.median(ms):6.1f}  p95 {p95:6.1f}  "
                  f"max {ms[-1]:6.1f}")
        rss1, hwm1 = memory_mb(proc.pid)
        print(f"  worst p95 {worst:.1f} ms (target < 300)")
        print(f"\nserver memory: {rss0:.1f} MB after start, {rss1:.1f} MB after the pages, "
              f"peak {hwm1:.1f} MB (target < 60)")

        if not args.no_render:
            browser = shutil.which("chromium")
            print(f"\nkiosk render time per frame (bench.bench_render --frames "
                  f"{args.render_frames}), wall | CPU of the drawing thread")
            for round_ in (1, 2):
                for watched in ("", "pollers", "chromium"):
                    pollers = None
                    if watched:
                        if browser and watched == "chromium":
                            chromium = subprocess.Popen(
                                [browser, "--headless=new", "--no-sandbox", "--disable-gpu",
                                 f"--user-data-dir={tmp / 'chromium'}", url + "/"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                            time.sleep(3)
                        pollers = Pollers(url, 5 if watched == "pollers" else 4)
                    figures = render(args.render_frames)
                    if pollers:
                        pollers.close()
                        polled = sorted(pollers.times)
                    if chromium is not None:
                        chromium.send_signal(signal.SIGTERM)
                        chromium.wait(timeout=10)
                        chromium = None
                    label = {"": "no page open", "pollers": "5 phones polling",
                             "chromium": "Chromium here + 4 polling"}[watched]
                    for size, text in figures.items():
                        print(f"  round {round_}, {label:<26} {size:>9}: {text}")
                    if watched and polled:
                        print(f"    /api/now while polled: {len(polled)} asks, p50 "
                              f"{statistics.median(polled):.1f} ms, p95 "
                              f"{polled[int(0.95 * (len(polled) - 1))]:.1f} ms")
            rss2, hwm2 = memory_mb(proc.pid)
            print(f"\nserver memory after the polling: {rss2:.1f} MB, peak {hwm2:.1f} MB")
    finally:
        if chromium is not None:
            chromium.kill()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
