"""Camera sources: the Pi's camera module through picamera2, a webcam or video file through OpenCV.

Every source has the same small interface (`FrameSource`): `open()`, `read()` giving the next
`Frame` (an RGB image and its time in seconds on the monotonic clock) or None at the end of a
file, and `close()`. `open_source(config.camera)` builds the configured one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from station.config import Config
from station.errors import ConfigError, InputError, StationError

# FFmpeg (inside OpenCV) prints its own complaint about a bad file ("moov atom not found")
# before ours; a user needs only ours. Set OPENCV_FFMPEG_LOGLEVEL to see FFmpeg's again.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

# picamera2 names formats after libcamera's DRM fourccs, so "BGR888" arrays hold R, G, B per
# pixel (and "RGB888" arrays B, G, R). MediaPipe wants R, G, B: ask for "BGR888".
PICAMERA2_RGB_FORMAT = "BGR888"


@dataclass(frozen=True, slots=True, eq=False)
class Frame:
    """One camera image: RGB uint8 [height, width, 3], its time (monotonic seconds), its number."""

    t: float
    image: np.ndarray
    index: int

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


class FrameSource(Protocol):
    """What every camera source offers: open, read frames until None, close."""

    width: int
    height: int
    fps: float

    def open(self) -> None: ...

    def read(self) -> Frame | None: ...

    def close(self) -> None: ...


class _SourceBase:
    """Context-manager plumbing shared by the sources."""

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class Picamera2Source(_SourceBase):
    """The Pi's camera module through picamera2, configured for low latency.

    The ISP scales the sensor image to `width` x `height` in a "BGR888" main stream (RGB order in
    memory), from a sensor mode that sees the whole sensor when `full_view` is set, so the
    athlete fits. FrameDurationLimits pins the frame rate, the buffer count is small and
    `queue=False` stops picamera2 from holding a completed request back, so every `read()` waits
    for a frame that started after the call. Each request is copied and released at once, and
    its SensorTimestamp (CLOCK_MONOTONIC nanoseconds in libcamera) becomes `Frame.t` in seconds,
    on the same clock as `time.monotonic()`.

    `camera_factory` builds the camera (default: `picamera2.Picamera2`); tests pass their own.
    """

    def __init__(self, width: int = 640, height: int = 480, fps: float = 30.0,
                 buffer_count: int = 3, camera_num: int = 0, full_view: bool = True,
                 camera_factory: Callable[[int], Any] | None = None) -> None:
        self.width, self.height, self.fps = width, height, float(fps)
        self.buffer_count = buffer_count
        self.full_view = full_view
        self.camera_num = camera_num
        self._factory = camera_factory
        self._camera: Any = None
        self._index = 0

    @staticmethod
    def _picamera2_class() -> Callable[[int], Any]:
        try:
            from picamera2 import Picamera2
        except ImportError:
            raise StationError(
                "[camera] source = 'picamera2' but picamera2 is not installed "
                "(on Raspberry Pi OS: sudo apt install python3-picamera2, and make the venv "
                "with --system-site-packages; elsewhere set source = 'opencv')") from None
        return Picamera2

    def full_view_mode(self, camera: Any) -> dict | None:
        """The smallest sensor mode that sees the whole sensor at the frame rate asked, or None.

        Small outputs otherwise get a centre crop: the v2 camera's 640x480 mode reads only the
        middle 1280x960 of its 3280x2464 pixels; its 1640x1232 mode bins the whole sensor.
        """
        try:
            full_width = camera.camera_properties["PixelArraySize"][0]
            modes = camera.sensor_modes  # picamera2 configures the camera once per mode here
        except (AttributeError, KeyError, IndexError, RuntimeError):
            return None
        fits = [m for m in modes
                if "crop_limits" in m and m["crop_limits"][2] >= 0.95 * full_width
                and m.get("fps", 0) >= self.fps
                and m["size"][0] >= self.width and m["size"][1] >= self.height]
        return min(fits, key=lambda m: m["size"][0] * m["size"][1]) if fits else None

    def configuration(self, camera: Any) -> Any:
        """The video configuration this source asks the camera for."""
        frame_us = round(1_000_000 / self.fps)
        extra = {}
        mode = self.full_view_mode(camera) if self.full_view else None
        if mode is not None:
            extra["raw"] = {"size": tuple(mode["size"]), "format": str(mode["format"])}
        return camera.create_video_configuration(
            main={"size": (self.width, self.height), "format": PICAMERA2_RGB_FORMAT},
            buffer_count=self.buffer_count,
            queue=False,
            controls={"FrameDurationLimits": (frame_us, frame_us)},
            **extra,
        )

    def open(self) -> None:
        if self._camera is not None:
            return
        factory = self._factory or self._picamera2_class()
        camera = factory(self.camera_num)
        try:
            camera.configure(self.configuration(camera))
            size = tuple(camera.camera_configuration()["main"]["size"])
            if size != (self.width, self.height):
                # libcamera adjusted the size (alignment): report what arrives.
                self.width, self.height = int(size[0]), int(size[1])
            camera.start()
        except Exception:
            camera.close()
            raise
        self._camera = camera
        self._index = 0

    def read(self) -> Frame | None:
        if self._camera is None:
            raise RuntimeError("Picamera2Source.read() before open()")
        request = self._camera.capture_request()
        try:
            image = request.make_array("main")
            metadata = request.get_metadata()
        finally:
            request.release()
        timestamp_ns = metadata.get("SensorTimestamp")
        t = timestamp_ns * 1e-9 if timestamp_ns is not None else time.monotonic()
        # make_array copies out of the buffer; drop the stride padding, keep RGB.
        frame = Frame(t, np.ascontiguousarray(image[:, :, :3]), self._index)
        self._index += 1
        return frame

    def close(self) -> None:
        camera, self._camera = self._camera, None
        if camera is not None:
            try:
                camera.stop()
            finally:
                camera.close()


def _parse_device(device: str) -> int | Path:
    """A webcam index ("0") as an int, anything else as a video file's path."""
    device = device.strip()
    return int(device) if device.isdigit() else Path(device).expanduser()


class OpenCVSource(_SourceBase):
    """A USB webcam (`device` "0", "1", ...) or a video file through OpenCV, as RGB frames.

    For a file, `Frame.t` is the frame index divided by the file's frame rate (the file's own
    clock, starting at 0, which a tension CSV recorded with the video shares). With
    `realtime=True` the file stands in for a live camera: `read()` waits until each frame's time
    has come, and `Frame.t` is on the monotonic clock (the time the file was opened + index/fps).
    For a webcam, `Frame.t` is `time.monotonic()` when the frame was grabbed, and the driver
    keeps one buffer so no frame is stale.
    """

    def __init__(self, device: str | int | Path, width: int = 640, height: int = 480,
                 fps: float = 30.0, realtime: bool = False) -> None:
        self.device = _parse_device(device) if isinstance(device, str) else device
        self.is_file = not isinstance(self.device, int)
        self.width, self.height, self.fps = width, height, float(fps)
        self.realtime = realtime
        self.frame_count = 0
        self._capture: Any = None
        self._index = 0
        self._started = 0.0

    def open(self) -> None:
        import cv2

        if self._capture is not None:
            return
        if self.is_file:
            path = Path(self.device)
            if not path.is_file():
                raise InputError(f"{path}: video file not found")
            capture = cv2.VideoCapture(str(path))
            if not capture.isOpened():
                capture.release()
                raise InputError(f"{path}: not a video OpenCV can read")
            fps = capture.get(cv2.CAP_PROP_FPS)
            if fps and 1.0 <= fps <= 1000.0:
                self.fps = float(fps)
            self.frame_count = max(0, int(capture.get(cv2.CAP_PROP_FRAME_COUNT)))
        else:
            capture = cv2.VideoCapture(int(self.device))
            if not capture.isOpened():
                capture.release()
                raise ConfigError(f"[camera] device = '{self.device}': no webcam there")
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
            capture.set(cv2.CAP_PROP_FPS, self.fps)
            capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self.width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)) or self.width
        self.height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)) or self.height
        self._capture = capture
        self._index = 0
        self._started = time.monotonic()

    def read(self) -> Frame | None:
        import cv2

        if self._capture is None:
            raise RuntimeError("OpenCVSource.read() before open()")
        ok, bgr = self._capture.read()
        if not ok or bgr is None:
            return None
        if self.is_file:
            t = self._index / self.fps
            if self.realtime:
                t += self._started  # a live camera's clock: monotonic seconds
                wait = t - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
        else:
            t = time.monotonic()
        frame = Frame(t, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), self._index)
        self._index += 1
        return frame

    def close(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()


def open_source(config: Config, realtime: bool = True) -> FrameSource:
    """The camera source `config.camera` names (not yet opened).

    A video file named in `[camera] device` is found relative to the config file; `realtime`
    makes it play at its own frame rate, like a live camera.
    """
    cam = config.camera
    if cam.source == "picamera2":
        return Picamera2Source(cam.width, cam.height, cam.fps, cam.buffer_count,
                               camera_num=cam.camera_num, full_view=cam.full_view)
    device: str | Path = cam.device
    if not cam.device.strip().isdigit():
        device = config.resolve(cam.device.strip())
    return OpenCVSource(device, cam.width, cam.height, cam.fps, realtime=realtime)
