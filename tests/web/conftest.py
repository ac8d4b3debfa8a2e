"""The coach page's fixtures: a real `station web` process on loopback over a filled log,
and headless Chromium (Debian's) driven by Selenium, with screenshots under out/."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from station.sim.logbook import fill_log
from station.web.pin import hash_pin
from tests.mqtt.fixtures import broker, stations  # noqa: F401  (the Gym tests' fixtures)
from tests.support import tool

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "out" / "screenshots" / "web"
PIN = "4711"
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running `station web`: its URL, its log and its config file."""

    url: str
    log: Path
    config: Path
    proc: subprocess.Popen


def write_config(folder: Path, port: int, extra: str = "") -> Path:
    config = folder / "station.toml"
    config.write_text(f'[store]\npath = "sessions.sqlite3"\n[web]\nhost = "127.0.0.1"\n'
                      f"port = {port}\npoll_s = 0.5\n{extra}")
    (folder / "web-pin").write_text(hash_pin(PIN, iterations=1000) + "\n")
    return config


def start_server(config: Path, *args: str, timeout_s: float = 20.0) -> subprocess.Popen:
    """`station web` in its own process; returns once it serves (or has exited). Its stderr
    goes to `station-web.stderr` beside the config (a pipe nobody reads could fill and stop
    it mid-test)."""
    err = config.parent / "station-web.stderr"
    with err.open("w") as f:
        proc = subprocess.Popen([sys.executable, "-m", "station.cli", "web", "--config",
                                 str(config), *args], cwd=REPO, stderr=f,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if "serving" in err.read_text() or proc.poll() is not None:
            return proc
        time.sleep(0.02)
    raise AssertionError("station web did not start")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def web_snapshot() -> str:
    """What the machine does while a page hangs: its busiest processes, and the threads
    (state, CPU ticks) and stacks of each `station web` this test run started (SIGUSR1
    makes it write them to its stderr, read back here)."""
    ps = subprocess.run(["ps", "-eo", "pid,ppid,pcpu,stat,wchan:24,etimes,args",
                         "--sort=-pcpu"], capture_output=True, text=True).stdout
    out = ["\n".join(line[:220] for line in ps.splitlines()[:16])]
    for proc in Path("/proc").iterdir():
        try:
            if (b"station.cli\0web\0" not in (proc / "cmdline").read_bytes()
                    or int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                    != os.getpid()):
                continue
            err = Path(os.readlink(proc / "fd" / "2"))
            threads = [f"  {t.name} {(t / 'comm').read_text().strip()} "
                       f"wchan={(t / 'wchan').read_text() or '-'} "
                       f"utime,stime={' '.join((t / 'stat').read_text().split()[13:15])}"
                       for t in sorted((proc / "task").iterdir())]
            os.kill(int(proc.name), signal.SIGUSR1)
        except (OSError, ValueError):
            continue  # gone meanwhile, or not ours to read
        time.sleep(0.5)
        stacks = err.read_text()[-20000:] if err.is_file() else f"(stderr is {err})"
        out += [f"== station web {proc.name}", *threads, stacks]
    return "\n".join(out)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A log with 12 athletes' sets over 20 days (some today), served on a free port."""
    port = free_port()
    config = write_config(tmp_path, port)
    log = tmp_path / "sessions.sqlite3"
    fill_log(log, sets=240, athletes=12, days=20, seed=7)
    proc = start_server(config)
    yield Server(f"http://127.0.0.1:{port}", log, config, proc)
    stop(proc)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium through chromedriver (both from Debian), phone-sized to start."""
    chromium = tool("chromium")
    driver_path = tool("chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
                "--window-size=390,844"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def shoot(driver, name: str) -> list[Path]:
    """Screenshots of the open page at phone and desktop sizes, whole page tall."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    paths = []
    for size, (w, h) in SIZES.items():
        driver.set_window_size(w, h)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(w, max(h, min(int(height) + 140, 4000)))
        path = SHOTS / f"{name}-{size}.png"
        driver.save_screenshot(str(path))
        paths.append(path)
    driver.set_window_size(*SIZES["phone"])
    return paths
