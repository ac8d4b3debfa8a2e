"""Card decoding on real clip frames: decode rate against distance, and cost per frame.

Each trial takes a frame of a real clip (../shared/data/clips), scales it so the athlete
stands D metres from the station's default camera (640x480, 62.2 degrees across), and puts a
printed card in front of their chest a hand's distance toward the camera, turned up to 40
degrees, tilted up to 20, with defocus, motion blur in some, a glare spot in half, dim or
bright exposure and sensor noise (station/sim/card_scene.py). Both decoders read the same
frames. A read counts when it gives the card's own code; any other text is a false read.

    .venv/bin/python -m bench.bench_cards [--trials N] [--seed S] [--save DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from station.cards.reader import DECODERS, _grey
from station.cards.sheet import LAYOUTS, Card, render_card
from station.domain import LEFT_ANKLE, LEFT_SHOULDER, NOSE, RIGHT_ANKLE
from station.sim.card_scene import (
    HAND_M,
    Holding,
    athlete_at,
    card_size_px,
    chest_point,
    mm_per_px,
    place_card,
)

REPO = Path(__file__).resolve().parents[1]

DISTANCES = (1.5, 2.0, 2.5, 3.0, 3.5)  # athlete to camera, metres


def clip_frames(clips: Path, per_clip: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Frames (RGB) of each clip with its MediaPipe landmarks, where the body was found."""
    out = []
    for video in sorted(clips.glob("*.mp4")):
        lm_file = video.with_suffix(".mediapipe-0.10.18-full.npz")
        if not lm_file.exists():
            continue
        lms = np.load(lm_file)["landmarks"]
        ok = [i for i in range(len(lms)) if np.all(np.isfinite(
            lms[i, [NOSE, LEFT_SHOULDER, LEFT_ANKLE, RIGHT_ANKLE], :2]))]
        picks = set(ok[:: max(1, len(ok) // per_clip)][:per_clip])
        cap = cv2.VideoCapture(str(video))
        i = 0
        while picks:
            good, bgr = cap.read()
            if not good:
                break
            if i in picks:
                out.append((cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), lms[i]))
                picks.discard(i)
            i += 1
        cap.release()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=120, help="frames per distance and size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clips", type=Path, default=REPO.parent / "shared/data/clips")
    parser.add_argument("--save", type=Path, help="write a few frames here to look at")
    args = parser.parse_args()
    if not args.clips.is_dir():
        args.clips = Path("/work/shared/data/clips")
    rng = np.random.default_rng(args.seed)
    frames = clip_frames(args.clips, 12)
    decoders = {f"{name}{'' if up == 1 else f' x{up}'}": make(up)
                for name, make in DECODERS.items() for up in (1, 2)}
    payloads = [f"HS1:K7QX:{c}" for c in ("AB3D5FGH", "ZZ9YX8WV", "M4N5P6Q7", "R2S3T4U5")]
    cards = {size: [np.asarray(render_card(Card(p, i + 1, "Sam", p[-8:]), LAYOUTS[size], 2.0))
                    for i, p in enumerate(payloads)] for size in ("a4", "a5")}
    print(f"{len(frames)} frames of {len({id(f) for f, _ in frames})} from "
          f"{args.clips}; {args.trials} trials per distance and size; seed {args.seed}")
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)

    times: dict[str, list[float]] = {n: [] for n in decoders}
    false_reads = dict.fromkeys(decoders, 0)
    rows = []
    for size, shown in (("a4", True), ("a4", False), ("a5", True)):
        layout = LAYOUTS[size]
        for d in DISTANCES:
            hits = dict.fromkeys(decoders, 0)
            for t in range(args.trials):
                frame, lm = frames[int(rng.integers(len(frames)))]
                k = int(rng.integers(len(payloads)))
                scene, moved = athlete_at(frame, lm, d)
                card_mm = (layout.card_w_mm, layout.card_h_mm)
                at = chest_point(moved, card_size_px(card_mm, d - HAND_M))
                img = place_card(scene, cards[size][k], card_mm, at, d - HAND_M,
                                 Holding.random(rng, shown), rng)
                if args.save and t < 3:
                    cv2.imwrite(str(args.save / f"{size}-{shown:d}-{d:.1f}m-{t}.png"),
                                cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
                grey = _grey(img)
                for name, decode in decoders.items():
                    t0 = time.perf_counter()
                    texts = decode(grey)
                    times[name].append((time.perf_counter() - t0) * 1000)
                    hits[name] += payloads[k] in texts
                    false_reads[name] += sum(x != payloads[k] for x in texts)
            rows.append((size, shown, d, {n: hits[n] / args.trials for n in decoders}))

    # The common case: nobody holds a card up. Cost and false reads on plain frames.
    empty_times: dict[str, list[float]] = {n: [] for n in decoders}
    for frame, lm in frames:
        scene, _ = athlete_at(frame, lm, 2.5)
        grey = _grey(scene)
        for name, decode in decoders.items():
            t0 = time.perf_counter()
            texts = decode(grey)
            empty_times[name].append((time.perf_counter() - t0) * 1000)
            false_reads[name] += len(texts)

    names = list(decoders)
    print("\ndecode rate (card read correctly), by card and athlete's distance from the camera")
    print("card held      distance  card at  px/module  "
          + "  ".join(f"{n:>9}" for n in names))
    for size, shown, d, rate in rows:
        layout = LAYOUTS[size]
        px_mod = layout.code_mm / 25 / mm_per_px(d - HAND_M)
        how = "shown" if shown else "careless"
        print(f"{size:4} {how:8}  {d:6.1f} m  {d - HAND_M:5.1f} m  {px_mod:9.2f}  "
              + "  ".join(f"{rate[n]:9.0%}" for n in names))
    print("\ncost per 640x480 frame (ms, this machine, one core)")
    print("decoder    card in view p50 / p95     no card p50 / p95   false reads")
    for n in names:
        a, b = times[n], empty_times[n]
        print(f"{n:9}  {statistics.median(a):8.1f} / {_p95(a):5.1f}      "
              f"{statistics.median(b):8.1f} / {_p95(b):5.1f}     {false_reads[n]}")
    return 0


def _p95(xs: list[float]) -> float:
    return float(np.percentile(xs, 95))


if __name__ == "__main__":
    sys.exit(main())
