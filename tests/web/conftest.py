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
    """`station web` in its own process; returns once it serves (or has exited)."""
    proc = subprocess.Popen([sys.executable, "-m", "station.cli", "web", "--config",
                             str(config), *args], cwd=REPO, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if "serving" in line or proc.poll() is not None:
            return proc
    raise AssertionError("station web did not start")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stderr:
        proc.stderr.close()


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
