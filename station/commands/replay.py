"""`station replay VIDEO`: pose on every frame of a video file, then the coach's report.

Options save the pose stream (`--save-pose`, the DESIGN.md `.npz`) and write an annotated copy
of the video (`--annotate`: skeleton, stick line, hip path, each rep's PASS / FAIL).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from station.coach import Coach, Report, analyze
from station.config import Config
from station.domain import PoseStream, TensionStream
from station.errors import InputError
from station.hardware.camera import OpenCVSource
from station.pose.estimator import PoseEstimator, estimate_video
from station.recordings.annotate import AnnotationStyle, Annotator
from station.recordings.formats import load_tension_csv, save_pose_npz
from station.recordings.report_text import report_lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", metavar="VIDEO", help="a video file (side view of the athlete)")
    parser.add_argument("--tension", metavar="CSV", default=None,
                        help="band tension recorded alongside (t,force_n; t in video seconds)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--save-pose", metavar="OUT.npz", default=None,
                        help="also write the pose stream found in the video")
    parser.add_argument("--annotate", metavar="OUT.mp4", default=None,
                        help="also write the video with skeleton, stick line, hip path "
                             "and verdicts drawn on it")


def _check_output(path: str, what: str) -> Path:
    out = Path(path)
    if not out.parent.is_dir():
        raise InputError(f"{out}: cannot write the {what} (folder {out.parent} does not exist)")
    return out


def write_annotated(video: Path, out: Path, stream: PoseStream, tension: TensionStream | None,
                    report: Report, config: Config, progress: bool | None = None) -> int:
    """Copy `video` to `out` (mp4v) with the coach's view drawn on each frame; frames written.

    A coach runs along again (it is pure and cheap) so each frame shows the phase and angles
    it saw at that moment; verdicts and buzzes come from `report`.
    """
    import cv2
    from tqdm import tqdm

    if progress is None:
        progress = sys.stderr.isatty()
    style = AnnotationStyle(verdict_s=config.kiosk.verdict_seconds,
                            min_visibility=config.coach.min_visibility)
    annotator = Annotator(report.reps, report.buzzes, report.side, style)
    coach = Coach(config.coach)
    samples = list(tension.samples()) if tension is not None else []
    next_sample = 0
    poses = list(stream.frames())
    with OpenCVSource(video) as source:
        writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), source.fps,
                                 (source.width, source.height))
        if not writer.isOpened():
            raise InputError(f"{out}: OpenCV cannot write an mp4 video there")
        written = 0
        try:
            for pose in tqdm(poses, unit="frame", desc="annotate", disable=not progress,
                             delay=0.5, leave=False, file=sys.stderr):
                frame = source.read()
                if frame is None:
                    break
                while next_sample < len(samples) and samples[next_sample].t <= pose.t:
                    coach.add_tension(samples[next_sample])
                    next_sample += 1
                coach.add_pose(pose)
                bgr = cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR)
                annotator.draw(bgr, pose, coach.snapshot)
                writer.write(bgr)
                written += 1
        finally:
            writer.release()
    return written


def run(args: argparse.Namespace, config: Config) -> int:
    video = Path(args.video)
    if not video.is_file():
        raise InputError(f"{video}: video file not found")
    tension = load_tension_csv(args.tension) if args.tension else None
    save_to = _check_output(args.save_pose, "pose stream") if args.save_pose else None
    annotate_to = _check_output(args.annotate, "annotated video") if args.annotate else None

    with OpenCVSource(video) as probe:  # a bad video fails here, before the model loads
        if probe.read() is None:
            raise InputError(f"{video}: no frames could be decoded from this video")
    with PoseEstimator.from_config(config) as estimator:
        stream = estimate_video(video, estimator)
    if save_to is not None:
        save_pose_npz(save_to, stream)
    report = analyze(stream, tension, config.coach)
    if annotate_to is not None:
        write_annotated(video, annotate_to, stream, tension, report, config)

    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        seen = int(np.isfinite(stream.landmarks[:, :, :2]).all(axis=(1, 2)).sum())
        print(f"{video}: {len(stream)} frames, the athlete in view in {seen}.")
        print("\n".join(report_lines(report)))
    return 0
