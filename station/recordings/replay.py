"""A recorded video coached: pose on every frame, then the coach's report.

`replay_video` runs the pose estimator over a video file, hands the pose stream (and a band
tension recorded alongside, if any) to the coach, and on request saves the pose stream
(`.npz`, docs/formats.md) and writes an annotated copy of the video (skeleton, stick line,
hip path, each rep's PASS / FAIL).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from station.coach import Coach, Report, analyze
from station.config import Config
from station.domain import PoseStream, TensionStream
from station.errors import InputError
from station.files import check_regular
from station.hardware.camera import OpenCVSource
from station.pose.estimator import PoseEstimator, estimate_video
from station.recordings.annotate import AnnotationStyle, Annotator
from station.recordings.formats import (
    MAX_POSE_FRAMES,
    check_same_clock,
    load_tension_csv,
    save_pose_npz,
)
from station.recordings.outputs import check_output, replacing

MAX_VIDEO_BYTES = 8 << 30  # an hour of 1080p is 2 to 4 GB
# The names OpenCV writes an mp4v video under (it picks the container by the suffix; under
# any other, such as .txt, it opens no writer at all).
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".avi")


@dataclass(frozen=True)
class ReplayResult:
    """What the replay of a video found: the pose stream and the coach's report on it, and
    each output that could not be written (one line each; the report stands without them)."""

    video: Path
    stream: PoseStream
    report: Report
    unsaved: tuple[str, ...] = ()

    @property
    def frames_in_view(self) -> int:
        """Frames in which every landmark was found (the athlete in view)."""
        return int(np.isfinite(self.stream.landmarks[:, :, :2]).all(axis=(1, 2)).sum())


def replay_video(video: str | Path, config: Config, *, tension_csv: str | Path | None = None,
                 save_pose: str | Path | None = None,
                 annotate: str | Path | None = None) -> ReplayResult:
    """Pose on every frame of `video`, then the coach's report (InputError on bad input).

    Every input and output is checked before the pose model loads: an output that would
    overwrite an input, or that cannot be written, is refused before the long part starts.
    An output that still fails at the end (a disk filled meanwhile) is named in `unsaved`,
    and the report is kept.
    """
    video = check_regular(video, "video file", MAX_VIDEO_BYTES, InputError)
    tension = load_tension_csv(tension_csv) if tension_csv else None
    inputs = {"video": video, "tension file": tension_csv}
    save_to = (check_output(save_pose, "pose stream", inputs, suffix=".npz")
               if save_pose else None)
    annotate_to = (check_output(annotate, "annotated video", {**inputs, "pose stream": save_to},
                                suffix=VIDEO_SUFFIXES) if annotate else None)

    with OpenCVSource(video) as probe:  # a bad video fails here, before the model loads
        if probe.read() is None:
            raise InputError(f"{video}: no frames could be decoded from this video")
        indexed, fps = probe.frame_count, probe.fps
    if indexed > MAX_POSE_FRAMES:
        raise InputError(f"{video}: {indexed:,} frames, more than the {MAX_POSE_FRAMES:,} "
                         "(an hour at 60 frames a second) a replay takes")
    if tension is not None and indexed:
        span = PoseStream(np.array([0.0, (indexed - 1) / fps]), np.empty((2, 0, 4)), 1, 1)
        check_same_clock(span, tension, tension_csv)
    with PoseEstimator.from_config(config) as estimator:
        stream = estimate_video(video, estimator)
    check_complete(video, len(stream), indexed)
    report = analyze(stream, tension, config.coach)
    unsaved = []
    if save_to is not None:
        unsaved.append(_write(save_to, "pose stream", lambda temp: save_pose_npz(temp, stream)))
    if annotate_to is not None:
        unsaved.append(_write(annotate_to, "annotated video", lambda temp: write_annotated(
            video, temp, stream, tension, report, config)))
    return ReplayResult(video, stream, report, tuple(u for u in unsaved if u))


def _write(out: Path, what: str, write: Callable[[Path], object]) -> str | None:
    """Write one output whole (`write(temp)`), then put it in place; the line saying why it
    could not be, or None."""
    try:
        with replacing(out, what) as temp:
            try:
                write(temp)
            except InputError as exc:  # it names the temporary file: name the output
                raise InputError(str(exc).replace(str(temp), str(out))) from None
    except InputError as exc:
        return str(exc)
    return None


def check_complete(video: Path, decoded: int, indexed: int) -> None:
    """InputError when far fewer frames decoded than the file's index lists: a copy cut
    short, whose report would pass for the whole recording's. (An index may be a few frames
    off an estimate; a tenth missing is not that.)"""
    if indexed and decoded < 0.9 * indexed and indexed - decoded > 5:
        raise InputError(f"{video}: the video's index lists {indexed} frames but only {decoded} "
                         "could be decoded: the file is cut short (copy it again)")


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
