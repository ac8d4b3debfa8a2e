"""The pose estimator: MediaPipe finds 33 body landmarks in each RGB frame.

Two backends, chosen by `[pose] backend`:

- "legacy": `mp.solutions.pose`, whose full model (model_complexity 1) ships inside the
  mediapipe 0.10.18 wheel, so it runs offline, here and in CI.
- "tasks": the Tasks `PoseLandmarker` in VIDEO mode with a `.task` model file (the maintained
  API; mediapipe >= 0.10.30 has nothing else).

Both give `PoseFrame`s in the layout of docs/formats.md: x, y normalised to the image, z,
visibility; all NaN when nobody is in view. A backend whose model is missing is one
ConfigError line.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from station.config import Config, PoseConfig
from station.domain import NUM_LANDMARKS, PoseFrame, PoseStream
from station.errors import ConfigError, InputError
from station.hardware.camera import Frame, OpenCVSource

# Quiet MediaPipe's C++ logging (glog) unless the user asked for it.
os.environ.setdefault("GLOG_minloglevel", "2")


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence what MediaPipe's C++ and TFLite print to fd 2 while a model loads and first runs
    ("Created TensorFlow Lite XNNPACK delegate", feedback-tensor warnings): noise to a user.
    Python's own errors are raised after fd 2 is back. STATION_POSE_LOGS=1 keeps it all."""
    if os.environ.get("STATION_POSE_LOGS") == "1":
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (e.g. captured): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        _flush_c_stdio()  # TFLite's log may sit in C's stdio buffer: let it go to /dev/null
        os.dup2(saved, 2)
        os.close(saved)


def _flush_c_stdio() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).fflush(None)

_LEGACY_MODELS = {0: "pose_landmark_lite.tflite", 1: "pose_landmark_full.tflite",
                  2: "pose_landmark_heavy.tflite"}


def legacy_model(model_complexity: int) -> Path:
    """Where the legacy backend's landmark model for `model_complexity` is, in the installed
    mediapipe (the 0.10.18 wheel carries only 1's, the full model)."""
    import mediapipe as mp

    return (Path(mp.__file__).parent / "modules" / "pose_landmark"
            / _LEGACY_MODELS[model_complexity])


def _landmarks_array(landmarks: Any) -> np.ndarray:
    """MediaPipe landmarks (objects with x, y, z, visibility) as float32 [33, 4]."""
    out = np.empty((NUM_LANDMARKS, 4), dtype=np.float32)
    for i, lm in enumerate(landmarks):
        out[i] = (lm.x, lm.y, lm.z, lm.visibility)
    return out


class _Backend(Protocol):
    def landmarks(self, rgb: np.ndarray, t: float) -> np.ndarray | None: ...

    def close(self) -> None: ...


class LegacyBackend:
    """`mp.solutions.pose` in tracking mode (the model ships in the mediapipe 0.10.18 wheel)."""

    def __init__(self, config: PoseConfig) -> None:
        import mediapipe as mp

        model = legacy_model(config.model_complexity)
        if not model.is_file():
            raise ConfigError(
                f"[pose] model_complexity = {config.model_complexity} needs {model.name}, "
                f"which this mediapipe install lacks (only 1, the full model, ships in the "
                f"0.10.18 wheel; or use backend = 'tasks')")
        self._pose = mp.solutions.pose.Pose(
            static_image_mode=False,
            model_complexity=config.model_complexity,
            smooth_landmarks=True,
            enable_segmentation=False,
            min_detection_confidence=config.min_detection_confidence,
            min_tracking_confidence=config.min_tracking_confidence,
        )
        # The graph opens its calculators (and TFLite says "Created TensorFlow Lite XNNPACK
        # delegate") in its own threads, after the constructor returns: wait for them while
        # the caller still keeps stderr quiet, so nothing is printed a moment later.
        graph = getattr(self._pose, "_graph", None)
        if graph is not None:
            graph.wait_until_idle()

    def landmarks(self, rgb: np.ndarray, t: float) -> np.ndarray | None:
        # The solution stamps every frame 33.3 ms after the last, as if none were ever
        # dropped; its landmark smoothing then misjudges speed when the pose worker skips
        # frames. Give the graph the frame's own time instead (it adds the 33333 us itself).
        if hasattr(self._pose, "_simulated_timestamp"):
            us = int(round(t * 1e6))
            self._pose._simulated_timestamp = max(us, self._pose._simulated_timestamp + 1) - 33333
        result = self._pose.process(rgb)
        if result.pose_landmarks is None:
            return None
        return _landmarks_array(result.pose_landmarks.landmark)

    def close(self) -> None:
        self._pose.close()


class TasksBackend:
    """The Tasks `PoseLandmarker` in VIDEO mode (tracking between frames) on a `.task` file."""

    def __init__(self, config: PoseConfig, model_path: Path) -> None:
        if not model_path.is_file():
            raise ConfigError(
                f"[pose] task_model = {config.task_model!r}: {model_path} not found "
                "(python -m station.pose.models builds it offline, install.sh puts the "
                "models in /etc/station/models; or set backend = 'legacy')")
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=1,
            min_pose_detection_confidence=config.min_detection_confidence,
            min_pose_presence_confidence=config.min_detection_confidence,
            min_tracking_confidence=config.min_tracking_confidence,
        )
        try:
            self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(
                f"[pose] task_model = {config.task_model!r}: {model_path} is not a usable "
                f"pose landmarker model ({first})") from None
        self._mp = mp
        self._last_ms = -1

    def landmarks(self, rgb: np.ndarray, t: float) -> np.ndarray | None:
        # VIDEO mode wants strictly increasing whole-millisecond timestamps.
        ms = max(int(round(t * 1000.0)), self._last_ms + 1)
        self._last_ms = ms
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        result = self._landmarker.detect_for_video(image, ms)
        if not result.pose_landmarks:
            return None
        return _landmarks_array(result.pose_landmarks[0])

    def close(self) -> None:
        self._landmarker.close()


class PoseEstimator:
    """Finds the athlete's 33 landmarks in RGB frames, in order (it tracks between frames).

    Build it with `PoseEstimator.from_config(config)`; feed frames in time order to
    `process(rgb, t)` or `process_frame(frame)`; `close()` (or use `with`) when done.
    """

    def __init__(self, config: PoseConfig, task_model: Path | None = None) -> None:
        self.config = config
        self._backend: _Backend
        with _quiet_native_stderr():
            if config.backend == "tasks":
                self._backend = TasksBackend(config, task_model or Path(config.task_model))
            else:
                self._backend = LegacyBackend(config)
        self._warm = False

    @classmethod
    def from_config(cls, config: Config) -> PoseEstimator:
        """The configured backend, with a `.task` path taken relative to the config file."""
        return cls(config.pose, config.resolve(config.pose.task_model))

    def process(self, rgb: np.ndarray, t: float) -> PoseFrame:
        """The pose in one RGB uint8 [height, width, 3] image taken at time `t` (seconds)."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 [h, w, 3] image, got {rgb.dtype} "
                             f"{rgb.shape}")
        height, width = rgb.shape[:2]
        if self._warm:
            landmarks = self._backend.landmarks(np.ascontiguousarray(rgb), t)
        else:
            with _quiet_native_stderr():  # the graph's first run logs its warnings
                landmarks = self._backend.landmarks(np.ascontiguousarray(rgb), t)
            self._warm = True
        if landmarks is None:
            return PoseFrame.empty(t, width, height)
        return PoseFrame(t, landmarks, width, height)

    def process_frame(self, frame: Frame) -> PoseFrame:
        return self.process(frame.image, frame.t)

    def close(self) -> None:
        self._backend.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def estimate_video(path: str | Path, estimator: PoseEstimator, *, stride: int = 1,
                   max_frames: int | None = None, progress: bool | None = None) -> PoseStream:
    """Pose on the frames of a video file (every `stride`-th of the first `max_frames`).

    Frame times are frame index / the file's fps. `progress` shows a tqdm bar on stderr
    (default: only when stderr is a terminal; it appears after half a second, so short clips
    show none). An unreadable or empty video is an InputError.
    """
    from tqdm import tqdm

    if progress is None:
        progress = sys.stderr.isatty()
    with OpenCVSource(Path(path)) as source:
        frames = itertools.islice(iter(source.read, None), 0, max_frames, stride)
        total = source.frame_count if max_frames is None else min(max_frames,
                                                                   source.frame_count)
        bar = tqdm(frames, total=-(-total // stride) if total else None, unit="frame",
                   desc="pose", disable=not progress, delay=0.5, leave=False, file=sys.stderr)
        poses = [estimator.process_frame(frame) for frame in bar]
        width, height = source.width, source.height
    if not poses:
        raise InputError(f"{path}: no frames could be decoded from this video")
    return PoseStream.from_frames(poses, width, height)
