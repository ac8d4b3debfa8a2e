"""A recorded video coached: pose on every frame, then the coach's report.

`replay_video` runs the pose estimator over a video file, hands the pose stream (and a band
tension recorded alongside, if any) to the coach, and on request saves the pose stream
(`.npz`, docs/formats.md) and writes an annotated copy of the video (skeleton, stick line,
hip path, each rep's PASS / FAIL).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ReplayResult:
    """What the replay of a video found: the pose stream and the coach's report on it."""

    video: Path
    stream: PoseStream
    report: Report

    @property
    def frames_in_view(self) -> int:
        """Frames in which every landmark was found (the athlete in view)."""
        return int(np.isfinite(self.stream.landmarks[:, :, :2]).all(axis=(1, 2)).sum())


def check_output(path: str | Path, what: str) -> Path:
    """`path` as an output file, or InputError when its folder does not exist."""
    out = Path(path)
    if not out.parent.is_dir():
        raise InputError(f"{out}: cannot write the {what} (folder {out.parent} does not exist)")
    return out


def replay_video(video: str | Path, config: Config, *, tension_csv: str | Path | None = None,
                 save_pose: str | Path | None = None,
                 annotate: str | Path | None = None) -> ReplayResult:
    """Pose on every frame of `video`, then the coach's report (InputError on bad input).

    Every input and output is checked before the pose model loads.
    """
    video = Path(video)
    if not video.is_file():
        raise InputError(f"{video}: video file not found")
    tension = load_tension_csv(tension_csv) if tension_csv else None
    save_to = check_output(save_pose, "pose stream") if save_pose else None
    annotate_to = check_output(annotate, "annotated video") if annotate else None

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
    return ReplayResult(video, stream, report)


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
