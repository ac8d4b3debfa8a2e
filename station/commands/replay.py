"""`station replay VIDEO`: pose on every frame of a video file, then the coach's report.

Options save the pose stream (`--save-pose`, the DESIGN.md `.npz`) and write an annotated copy
of the video (`--annotate`: skeleton, stick line, hip path, each rep's PASS / FAIL).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from station.annotate import AnnotationStyle, Annotator
from station.config import Config
from station.errors import InputError
from station.hardware.camera import OpenCVSource
from station.pose import PoseEstimator, estimate_video
from station.streams import PoseStream, load_tension_csv, save_pose_npz


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


def write_annotated(video: Path, out: Path, stream: PoseStream, report, style: AnnotationStyle,
                    progress: bool | None = None) -> int:
    """Copy `video` to `out` (mp4v) with the coach's view drawn on each frame; frames written."""
    import cv2
    from tqdm import tqdm

    if progress is None:
        progress = sys.stderr.isatty()
    annotator = Annotator(report.reps, report.buzzes, report.side, style)
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
                bgr = cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR)
                annotator.draw(bgr, pose)
                writer.write(bgr)
                written += 1
        finally:
            writer.release()
    return written


def format_report(video: str, stream: PoseStream, report) -> str:
    """The report as a few readable lines."""
    seen = sum(f.has_person for f in stream.frames())
    side = report.side.value if report.side else "unknown"
    lines = [f"{video}: {len(stream)} frames, athlete in view in {seen}, facing {side}"]
    for rep in report.reps:
        verdict = "PASS" if rep.passed else "FAIL " + ", ".join(f.value for f in rep.faults)
        lines.append(f"  rep {rep.index}  {rep.start:6.2f}-{rep.end:6.2f} s  {verdict}"
                     + (f"  ({rep.cue})" if rep.cue else ""))
    passed = sum(r.passed for r in report.reps)
    lines.append(f"  {len(report.reps)} reps, {passed} passed, "
                 f"{len(report.reps) - passed} failed, {len(report.buzzes)} buzzes")
    return "\n".join(lines)


def run(args: argparse.Namespace, config: Config) -> int:
    from station.coach import analyze

    video = Path(args.video)
    if not video.is_file():
        raise InputError(f"{video}: video file not found")
    tension = load_tension_csv(args.tension) if args.tension else None
    save_to = _check_output(args.save_pose, "pose stream") if args.save_pose else None
    annotate_to = _check_output(args.annotate, "annotated video") if args.annotate else None

    with PoseEstimator.from_config(config) as estimator:
        stream = estimate_video(video, estimator)
    if save_to is not None:
        save_pose_npz(save_to, stream)
    report = analyze(stream, tension, config.coach)
    if annotate_to is not None:
        style = AnnotationStyle(verdict_s=config.kiosk.verdict_seconds,
                                min_visibility=config.coach.min_visibility)
        write_annotated(video, annotate_to, stream, report, style)

    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(format_report(str(video), stream, report))
    return 0
