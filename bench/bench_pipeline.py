"""Benchmark of the camera -> pose -> coach -> drawing pipeline at 640x480, on this machine.

    .venv/bin/python -m bench.bench_pipeline [--frames N] [--contention SECONDS]

Part 1, stages: a 640x480 video is made from the real clips (centre rows of the 600x600 clips,
scaled to 4:3), then each frame is decoded, given to pose, to the coach and drawn, and each
stage is timed. Prints milliseconds per frame per stage, frames per second end to end (one
thread, and the real capture + pose threads of station/pose/pipeline.py), the share of the
frame time that is not pose inference (target under 5%), the peak resident memory, and an
estimate for a Pi 4 and a Pi 5 from published MediaPipe timings.

Part 2, contention (`--contention S`, default 6 s a mode, 0 to skip): pose runs for S seconds
beside a stand-in for the tension reader (a thread waking at 80 Hz doing an HX711-sized read
in Python) and the screen (pygame, dummy driver, 30 fps), first as a thread of the same
process, then in its own process. Prints how late the 80 Hz reader woke, the screen's frame
rate and the pose rate in each mode: the evidence for where pose belongs on a Pi.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from station.coach import Coach, analyze  # noqa: E402
from station.config import Config  # noqa: E402
from station.domain import PoseStream  # noqa: E402
from station.hardware.camera import OpenCVSource  # noqa: E402
from station.pose.estimator import PoseEstimator  # noqa: E402
from station.pose.pipeline import (  # noqa: E402
    CaptureThread,
    NewestFrameSlot,
    PosePipeline,
    PoseWorker,
)
from station.pose.process import PoseProcess  # noqa: E402
from station.recordings.annotate import Annotator  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CLIPS = next((p for p in (REPO.parent / "shared" / "data" / "clips",
                          Path("/work/shared/data/clips")) if p.is_dir()), None)
SOURCE_CLIPS = ("deadlift_nico_unblocked.mp4", "deadlift_good.mp4", "deadlift_rdl.mp4")

# Published MediaPipe pose (full model, CPU) rates on Raspberry Pis, frames per second, as
# quoted in docs/hardware.md from third-party reports: Pi 4 5-10 fps, Pi 5 6-15 fps.
PUBLISHED_FPS = {"Pi 4": (5.0, 10.0), "Pi 5": (6.0, 15.0)}


def make_640x480_clip(out: Path, frames: int) -> int:
    """Write a 640x480 mp4 of real lifting (4:3 centre of the square clips); frames written."""
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (640, 480))
    written = 0
    while written < frames:
        for name in SOURCE_CLIPS:
            capture = cv2.VideoCapture(str(CLIPS / name))
            while written < frames:
                ok, bgr = capture.read()
                if not ok:
                    break
                h = bgr.shape[0]
                crop = bgr[h // 8: h - h // 8]  # 600x450 = 4:3
                writer.write(cv2.resize(crop, (640, 480), interpolation=cv2.INTER_AREA))
                written += 1
            capture.release()
    writer.release()
    return written


def _ms(values: list[float]) -> str:
    mean, median = 1000 * statistics.mean(values), 1000 * statistics.median(values)
    return f"{mean:7.2f} ms (median {median:6.2f})"


def bench_stages(clip: Path, config: Config) -> dict[str, float]:
    """Time each stage per frame, one thread, every frame in order.

    Pass 1 times decode, pose and coach; the coach's report of the clip then drives pass 2,
    which times drawing (skeleton, stick, hip path, verdicts) on the decoded frames again.
    """
    times: dict[str, list[float]] = {"decode": [], "pose": [], "coach": [], "draw": []}
    coach = Coach(config.coach)
    poses, snapshots = [], []
    with PoseEstimator(config.pose) as estimator, OpenCVSource(clip) as source:
        estimator.process(np.zeros((480, 640, 3), np.uint8), -1.0)  # load the graph first
        while True:
            t0 = time.perf_counter()
            frame = source.read()
            t1 = time.perf_counter()
            if frame is None:
                break
            pose = estimator.process_frame(frame)
            t2 = time.perf_counter()
            coach.add_pose(pose)
            snapshot = coach.snapshot
            t3 = time.perf_counter()
            times["decode"].append(t1 - t0)
            times["pose"].append(t2 - t1)
            times["coach"].append(t3 - t2)
            poses.append(pose)
            snapshots.append(snapshot)
        width, height = source.width, source.height
    report = analyze(PoseStream.from_frames(poses, width, height), None, config.coach)
    annotator = Annotator(report.reps, report.buzzes, report.side)
    with OpenCVSource(clip) as source:
        for pose, snapshot in zip(poses, snapshots, strict=True):
            frame = source.read()
            t0 = time.perf_counter()
            bgr = cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR)
            annotator.draw(bgr, pose, snapshot)
            times["draw"].append(time.perf_counter() - t0)
    n = len(poses)
    print(f"stages, one thread, {n} frames of 640x480 ({len(report.reps)} reps drawn):")
    for stage, values in times.items():
        print(f"  {stage:<7} {_ms(values)}")
    per_frame = {k: statistics.mean(v) for k, v in times.items()}
    total = sum(per_frame.values())
    other = total - per_frame["pose"]
    print(f"  total   {1000 * total:7.2f} ms -> {1 / total:5.1f} fps end to end")
    share = other / per_frame["pose"]
    verdict = "meets" if share < 0.05 else "misses"
    print(f"  decode + coach + draw add {100 * share:4.1f}% to pose's frame time "
          f"({verdict} the <5% target); {100 * other / total:4.1f}% of the whole frame")
    return per_frame


def bench_threads(clip: Path, config: Config) -> None:
    """The real capture and pose threads, the file read as fast as it decodes."""
    slot = NewestFrameSlot()
    with (PoseEstimator(config.pose) as estimator,
          OpenCVSource(clip, realtime=True) as source):
        estimator.process(np.zeros((480, 640, 3), np.uint8), -1.0)
        capture = CaptureThread(source, slot)
        worker = PoseWorker(slot, estimator.process_frame, lambda pose, frame: None)
        t0 = time.perf_counter()
        worker.start()
        capture.start()
        worker.join()
        wall = time.perf_counter() - t0
    counts = worker.counts()
    print(f"threads (a 30 fps camera stand-in, pose on the newest frame): "
          f"{counts.captured} captured, {counts.processed} processed, {counts.dropped} dropped "
          f"in {wall:.2f} s -> pose at {counts.processed / wall:5.1f} fps, "
          f"capture at {counts.captured / wall:5.1f} fps")


def estimate_pis(per_frame: dict[str, float]) -> None:
    here_pose = per_frame["pose"]
    other = per_frame["decode"] + per_frame["coach"] + per_frame["draw"]
    print("estimate (published MediaPipe rates; other stages scaled by the same CPU ratio):")
    for name, (lo, hi) in PUBLISHED_FPS.items():
        worst, best = 1 / lo, 1 / hi
        o_worst, o_best = other * worst / here_pose, other * best / here_pose
        print(f"  {name}: pose {1000 * best:4.0f}-{1000 * worst:4.0f} ms, other stages "
              f"{1000 * o_best:4.1f}-{1000 * o_worst:4.1f} ms -> "
              f"{1 / (worst + o_worst):4.1f}-{1 / (best + o_best):4.1f} fps")


# ----- contention -----

def _tension_stand_in(stop: threading.Event, lateness: list[float],
                      longest_pulse: list[float]) -> None:
    """Wakes at 80 Hz and bit-bangs a read's worth of Python: 24 clock pulses, each a "high"
    and a "low" step, then a median of 5. Records how late it woke and, per read, its longest
    high step: on a real HX711, PD_SCK high for over 60 us powers the chip down."""
    period = 1 / 80
    due = time.perf_counter() + period
    window: list[int] = []
    clock = time.perf_counter
    while not stop.is_set():
        delay = due - clock()
        if delay > 0:
            time.sleep(delay)
        lateness.append(clock() - due)
        value = 0
        longest = 0.0
        for bit in range(24):
            high = clock()  # PD_SCK high
            value = (value << 1) | (bit & 1)  # read DOUT
            longest = max(longest, clock() - high)  # PD_SCK low
        longest_pulse.append(longest)
        window = (window + [value])[-5:]
        statistics.median(window)
        due += period
        if clock() > due + period:  # fell a whole period behind: skip ahead
            due = clock() + period


def _screen(seconds: float, poll) -> list[float]:
    """A pygame loop at 30 fps drawing a kiosk-like frame, taking new poses each frame as the
    kiosk would (`poll()` -> number of new poses); its frame times."""
    import pygame

    pygame.init()
    screen = pygame.display.set_mode((800, 480))
    font = pygame.font.Font(None, 48)
    clock = pygame.time.Clock()
    frame_times = []
    poses = 0
    end = time.perf_counter() + seconds
    last = time.perf_counter()
    while time.perf_counter() < end:
        pygame.event.pump()
        poses += poll()
        screen.fill((20, 20, 20))
        for i in range(12):
            pygame.draw.line(screen, (240, 240, 240), (100 + 20 * i, 100), (300, 400 - 10 * i), 4)
        screen.blit(font.render(f"poses {poses}", True, (60, 200, 60)), (420, 200))
        pygame.display.flip()
        clock.tick(30)
        now = time.perf_counter()
        frame_times.append(now - last)
        last = now
    pygame.quit()
    return frame_times


def _contention_run(mode: str, clip: Path, config: Config, seconds: float) -> str:
    """One mode: "none" (no pose), "thread" (PosePipeline here) or "process" (PoseProcess)."""
    lateness: list[float] = []
    pulses: list[float] = []
    stop_tension = threading.Event()
    tension = threading.Thread(target=_tension_stand_in, args=(stop_tension, lateness, pulses))
    received: list[int] = []
    estimator = pipeline = proc = None
    if mode == "thread":
        estimator = PoseEstimator(config.pose)
        pipeline = PosePipeline(OpenCVSource(clip, realtime=True), estimator.process_frame,
                                lambda pose, frame: received.append(1))
        pipeline.start()
    elif mode == "process":
        file_config = dataclasses.replace(config, camera=dataclasses.replace(
            config.camera, source="opencv", device=str(clip)))
        proc = PoseProcess(file_config, realtime=True).start()

    def poll() -> int:
        if proc is not None:
            return len(proc.poll())
        n = len(received)
        received.clear()
        return n

    def processed() -> int:
        if pipeline is not None:
            return pipeline.counts().processed
        return proc.counts.processed if proc is not None else 0

    if mode != "none":
        time.sleep(2.0)  # let the model load before measuring
    poll()
    before = processed()
    tension.start()
    frame_times = _screen(seconds, poll)
    stop_tension.set()
    tension.join()
    after = processed()
    if pipeline is not None:
        pipeline.stop()
        estimator.close()
    if proc is not None:
        proc.stop()
    late = np.array(lateness) * 1000
    ft = np.array(frame_times[1:]) * 1000
    long_reads = 100 * float(np.mean(np.array(pulses) > 60e-6))
    return (f"  pose {mode:<8}: 80 Hz reader late by median {np.median(late):5.2f} ms, "
            f"p99 {np.percentile(late, 99):6.2f} ms, max {late.max():6.2f} ms; "
            f"reads with a >60 us pulse {long_reads:4.1f}%; screen "
            f"{1000 / ft.mean():5.1f} fps (p99 frame {np.percentile(ft, 99):5.1f} ms); "
            f"pose {(after - before) / seconds:5.1f} fps")


def bench_contention(clip: Path, config: Config, seconds: float) -> None:
    """The screen and tension stand-ins with no pose, pose in a thread, pose in a process."""
    print(f"contention, {seconds:.0f} s a mode: 80 Hz tension stand-in + pygame screen at 30 fps "
          f"+ pose on a 30 fps camera stand-in ({os.cpu_count()} CPUs here)")
    for mode in ("none", "thread", "process"):
        print(_contention_run(mode, clip, config, seconds))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300, help="frames in the 640x480 clip")
    parser.add_argument("--contention", type=float, default=6.0,
                        help="seconds per contention mode (0 skips it)")
    args = parser.parse_args()
    if CLIPS is None:
        print("bench: the real clips (../shared/data/clips) are not here", file=sys.stderr)
        return 2
    config = Config()
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "lifting_640x480.mp4"
        # long enough for the contention runs to play it once (2 s load + the measurement)
        make_640x480_clip(clip, max(args.frames, int(30 * (args.contention + 3))))
        per_frame = bench_stages(clip, config)
        bench_threads(clip, config)
        estimate_pis(per_frame)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak resident memory: {peak_mb:.0f} MB (this process: model, decoder, coach)")
        if args.contention > 0:
            bench_contention(clip, config, args.contention)
    return 0


if __name__ == "__main__":
    sys.exit(main())
