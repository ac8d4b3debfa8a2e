"""Render time per frame of every kiosk screen, and proof that no frame makes a screen-sized
surface.

    .venv/bin/python -m bench.bench_render [--frames N]

Drives the real station flow on the simulated athlete (the drawn figure) and then on a real
clip from ../shared/data (the camera picture under the skeleton), at 800x480 and 1280x720,
timing `Renderer.render` alone (the flow and the display flip are not drawing). Target: under
10 ms a frame on this machine, so 30 fps leaves two thirds of each frame for everything else.
Wall-clock time counts whatever else the machine runs; the drawing thread's CPU time is the
drawing's own cost, steady on a busy machine.

Allocation check: while rendering, every call that can make a pixel buffer from Python --
`pygame.Surface(...)`, the `pygame.transform` functions, `pygame.image` loaders and the text
cache's `font.render` -- is counted with its size. After a warm-up frame per screen, no frame
may make a surface of half the screen's area or more.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402
import pygame  # noqa: E402

from station.config import Config  # noqa: E402
from station.domain import PoseFrame  # noqa: E402
from station.flow.flow import Input, StationFlow  # noqa: E402
from station.flow.view import Screen  # noqa: E402
from station.hardware.buzzer import AlertBuzzer  # noqa: E402
from station.kiosk import widgets  # noqa: E402
from station.kiosk.screens import Renderer  # noqa: E402
from station.sim.player import SetPlayer  # noqa: E402
from station.sim.session import simulate_set  # noqa: E402

CLIP = "deadlift_rdl"
SURFACE = pygame.Surface  # the real type (the counter replaces the name while it runs)


class Allocations:
    """Counts surfaces made from Python while it is installed: (width, height) per call."""

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []
        self._saved: list[tuple[object, str, object]] = []

    def _wrap(self, owner, name: str) -> None:
        original = getattr(owner, name)
        sizes = self.sizes

        def counted(*args, **kwargs):
            out = original(*args, **kwargs)
            dest = kwargs.get("dest", args[2] if len(args) > 2 else None)
            if isinstance(out, SURFACE) and out is not dest:  # drawing into a given dest
                sizes.append(out.get_size())                   # makes nothing new
            return out

        self._saved.append((owner, name, original))
        setattr(owner, name, counted)

    def __enter__(self) -> Allocations:
        self._wrap(pygame, "Surface")
        for name in ("scale", "smoothscale", "rotate", "rotozoom", "flip", "scale2x",
                     "scale_by", "smoothscale_by", "chop", "laplacian"):
            if hasattr(pygame.transform, name):
                self._wrap(pygame.transform, name)
        for name in ("frombuffer", "fromstring", "frombytes", "load"):
            if hasattr(pygame.image, name):
                self._wrap(pygame.image, name)
        cache_render = widgets.TextCache.render
        sizes = self.sizes

        def render(cache, font, text, colour):
            before = len(cache._cache)
            out = cache_render(cache, font, text, colour)
            if len(cache._cache) != before:
                sizes.append(out.get_size())
            return out

        self._saved.append((widgets.TextCache, "render", cache_render))
        widgets.TextCache.render = render
        return self

    def __exit__(self, *exc) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)


def clip_frames(data: Path) -> tuple[list[np.ndarray], list[PoseFrame]]:
    """The clip's frames as RGB arrays and its MediaPipe landmarks, played there and back."""
    import cv2

    cap = cv2.VideoCapture(str(data / "clips" / f"{CLIP}.mp4"))
    images = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        images.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    d = np.load(data / "clips" / f"{CLIP}.mediapipe-0.10.18-full.npz")
    lm, w, h = d["landmarks"], int(d["width"]), int(d["height"])
    n = min(len(images), len(lm))
    order = list(range(n)) + list(range(n - 1, -1, -1))
    return ([images[i] for i in order],
            [PoseFrame(k / 30.0, lm[i], w, h) for k, i in enumerate(order)])


def stats(ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[int(0.95 * (len(ms) - 1))]
    return f"mean {statistics.fmean(ms):5.2f} p95 {p95:5.2f} max {ms[-1]:5.2f} ms"


def bench_size(size: tuple[int, int], frames: int, data: Path | None) -> bool:
    screen = pygame.display.set_mode(size)
    renderer = Renderer(*size)
    flow = StationFlow(Config(), AlertBuzzer(None), None, set_reps=6)
    player = SetPlayer(simulate_set(3, reps=6), empty_before_s=3.0, empty_after_s=12.0)
    times: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    big = 0.5 * size[0] * size[1]
    worst: tuple[int, int] = (0, 0)
    warmed: set[str] = set()
    now = 0.0

    def frame(key: str) -> None:
        nonlocal worst
        with Allocations() as alloc:
            t0, c0 = time.perf_counter(), time.thread_time()
            renderer.render(screen, flow.view)
            dt = (time.perf_counter() - t0) * 1000
            dc = (time.thread_time() - c0) * 1000
        if key in warmed:  # the first frame of each screen may make its surfaces
            times[key].append(dt)
            cpu[key].append(dc)
            for w, h in alloc.sizes:
                if w * h > worst[0] * worst[1]:
                    worst = (w, h)
        warmed.add(key)

    # The simulated athlete: every screen of the flow, the drawn figure.
    while not player.done and sum(len(v) for v in times.values()) < frames:
        now += 1 / 30
        for item in player.due(now):
            flow.submit(item)
        flow.drain(now)
        v = flow.view
        key = v.screen.value + ("+verdict" if v.verdict is not None else "")
        frame(key)
        if v.screen is Screen.SUMMARY and "menu" not in times:
            flow.on_input(Input.MENU, now)
            for _ in range(30):
                frame("menu")
            flow.on_input(Input.BACK, now)
    # A real clip: the camera picture under the skeleton, on the coaching screen.
    if data is not None:
        images, poses = clip_frames(data)
        flow.on_input(Input.PRESS, now)
        flow.on_input(Input.PRESS, now)
        for _ in range(3):
            for img, pose in zip(images, poses, strict=True):
                now += 1 / 30
                flow.submit(img)
                flow.submit(pose)
                flow.drain(now)
                frame("coaching+camera")
    print(f"{size[0]}x{size[1]}: wall-clock time | CPU time of the drawing thread")
    for key, ms in sorted(times.items()):
        print(f"  {key:<18} {stats(ms)} | {stats(cpu[key])}")
    all_ms = [m for ms in times.values() for m in ms]
    all_cpu = [m for ms in cpu.values() for m in ms]
    print(f"  {'every frame':<18} {stats(all_ms)} | {stats(all_cpu)}")
    ok = worst[0] * worst[1] < big
    print(f"  frames: {len(all_ms)}; largest surface made in a frame after warm-up: "
          f"{worst[0]}x{worst[1]} "
          f"({100 * worst[0] * worst[1] / (size[0] * size[1]):.1f}% of the screen) -> "
          f"{'no full-screen surface' if ok else 'FULL-SCREEN SURFACE MADE'}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=1500, help="frames of the simulated set")
    args = ap.parse_args()
    pygame.display.init()
    pygame.font.init()
    repo = Path(__file__).resolve().parents[1]
    data = next((p for p in (repo.parent / "shared" / "data", Path("/work/shared/data"))
                 if (p / "clips").is_dir()), None)
    if data is None:
        print("no ../shared/data: the camera-picture run is skipped")
    ok = all([bench_size(s, args.frames, data) for s in ((800, 480), (1280, 720))])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
