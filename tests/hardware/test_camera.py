"""Camera sources: the picamera2 source's requests (against a recording stand-in for Picamera2,
since no camera is attached here) and the OpenCV source on the real clips."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from station.config import load_config
from station.errors import ConfigError, InputError, StationError
from station.hardware.camera import OpenCVSource, Picamera2Source, open_source

SENSOR_NS = 1_234_567_890_123  # a SensorTimestamp: CLOCK_MONOTONIC nanoseconds


class RecordingRequest:
    """A completed request as picamera2 hands it out: an array, metadata, a release."""

    def __init__(self, camera: RecordingPicamera2, n: int) -> None:
        self.camera = camera
        self.n = n
        self.released = False

    def make_array(self, name: str) -> np.ndarray:
        self.camera.calls.append(("make_array", name))
        if self.camera.fail_make_array:
            raise RuntimeError("buffer mapping failed")
        w, h = self.camera.config["main"]["size"]
        image = np.zeros((h, w, 3), np.uint8)
        image[..., 0] = 200  # "BGR888" memory order is R, G, B: channel 0 is red
        image[..., 2] = 10
        image[0, 0, 1] = self.n
        return image

    def get_metadata(self) -> dict:
        return {"SensorTimestamp": SENSOR_NS + self.n * 33_333_333, "FrameDuration": 33333}

    def release(self) -> None:
        self.released = True
        self.camera.calls.append(("release", self.n))


# The v2 camera (IMX219) as `rpicam-hello --list-cameras` lists it: 640x480 is a centre crop.
IMX219_MODES = [
    {"format": "SRGGB10_CSI2P", "size": (640, 480), "fps": 103.33,
     "crop_limits": (1000, 752, 1280, 960)},
    {"format": "SRGGB10_CSI2P", "size": (1640, 1232), "fps": 41.85,
     "crop_limits": (0, 0, 3280, 2464)},
    {"format": "SRGGB10_CSI2P", "size": (1920, 1080), "fps": 47.57,
     "crop_limits": (680, 692, 1920, 1080)},
    {"format": "SRGGB10_CSI2P", "size": (3280, 2464), "fps": 21.19,
     "crop_limits": (0, 0, 3280, 2464)},
]
# Camera Module 3 (IMX708): its small fast mode is a crop too.
IMX708_MODES = [
    {"format": "SRGGB10_CSI2P", "size": (1536, 864), "fps": 120.13,
     "crop_limits": (768, 432, 3072, 1728)},
    {"format": "SRGGB10_CSI2P", "size": (2304, 1296), "fps": 56.03,
     "crop_limits": (0, 0, 4608, 2592)},
    {"format": "SRGGB10_CSI2P", "size": (4608, 2592), "fps": 14.35,
     "crop_limits": (0, 0, 4608, 2592)},
]


class RecordingPicamera2:
    """Has the Picamera2 methods the source uses and records how they are called."""

    def __init__(self, camera_num: int, adjust_size: tuple[int, int] | None = None,
                 modes: list[dict] | None = None,
                 pixel_array: tuple[int, int] = (3280, 2464)) -> None:
        self.camera_num = camera_num
        self.sensor_modes = IMX219_MODES if modes is None else modes
        self.camera_properties = {"PixelArraySize": pixel_array}
        self.adjust_size = adjust_size
        self.calls: list[tuple] = []
        self.requests: list[RecordingRequest] = []
        self.fail_make_array = False
        self.config: dict = {}

    def create_video_configuration(self, main=None, lores=None, raw=None, transform=None,
                                   colour_space=None, buffer_count=6, controls=None,
                                   display="main", encode="main", queue=True) -> dict:
        self.calls.append(("create_video_configuration",))
        return {"use_case": "video", "main": dict(main), "buffer_count": buffer_count,
                "queue": queue, "controls": dict(controls or {}), "raw": raw}

    def configure(self, config: dict) -> None:
        self.calls.append(("configure",))
        self.config = config
        if self.adjust_size:
            self.config["main"]["size"] = self.adjust_size

    def camera_configuration(self) -> dict:
        return self.config

    def start(self) -> None:
        self.calls.append(("start",))

    def capture_request(self) -> RecordingRequest:
        request = RecordingRequest(self, len(self.requests))
        self.requests.append(request)
        self.calls.append(("capture_request",))
        return request

    def stop(self) -> None:
        self.calls.append(("stop",))

    def close(self) -> None:
        self.calls.append(("close",))


def _source(full_view: bool = True, **camera_kwargs
            ) -> tuple[Picamera2Source, list[RecordingPicamera2]]:
    made: list[RecordingPicamera2] = []

    def factory(num: int) -> RecordingPicamera2:
        made.append(RecordingPicamera2(num, **camera_kwargs))
        return made[-1]

    return Picamera2Source(640, 480, 30, 3, camera_num=1, full_view=full_view,
                           camera_factory=factory), made


def test_picamera2_asks_for_an_rgb_low_latency_video_stream():
    source, made = _source()
    source.open()
    cam = made[0]
    assert cam.camera_num == 1
    config = cam.config
    assert config["main"] == {"size": (640, 480), "format": "BGR888"}  # R, G, B in memory
    assert config["buffer_count"] == 3
    assert config["queue"] is False  # never hand out a frame that was waiting
    assert config["controls"]["FrameDurationLimits"] == (33333, 33333)  # 30 fps, in us
    assert [c[0] for c in cam.calls] == ["create_video_configuration", "configure", "start"]
    source.close()
    assert [c[0] for c in cam.calls][-2:] == ["stop", "close"]


@pytest.mark.parametrize("modes, pixel_array, raw_size", [
    (IMX219_MODES, (3280, 2464), (1640, 1232)),  # not the 640x480 centre crop
    (IMX708_MODES, (4608, 2592), (2304, 1296)),  # not the 1536x864 crop
])
def test_picamera2_reads_the_whole_sensor_for_the_isp_to_scale(modes, pixel_array, raw_size):
    source, made = _source(modes=modes, pixel_array=pixel_array)
    source.open()
    assert made[0].config["raw"] == {"size": raw_size, "format": "SRGGB10_CSI2P"}
    assert made[0].config["main"]["size"] == (640, 480)
    source.close()


def test_picamera2_full_view_off_or_impossible_leaves_the_mode_to_picamera2():
    source, made = _source(full_view=False)
    source.open()
    assert made[0].config["raw"] is None
    source.close()
    slow = [dict(m, fps=15.0) for m in IMX219_MODES]  # no whole-sensor mode reaches 30 fps
    source, made = _source(modes=slow)
    source.open()
    assert made[0].config["raw"] is None
    source.close()


def test_picamera2_frames_are_rgb_with_monotonic_seconds_and_requests_released_at_once():
    source, made = _source()
    with source:
        frames = [source.read() for _ in range(3)]
    cam = made[0]
    assert all(r.released for r in cam.requests)
    names = [c[0] for c in cam.calls]
    # each request is released before the next is asked for
    first = names.index("capture_request")
    assert names[first:first + 6] == ["capture_request", "make_array", "release"] * 2
    assert [f.index for f in frames] == [0, 1, 2]
    assert frames[0].t == pytest.approx(1234.567890123)
    assert frames[2].t - frames[0].t == pytest.approx(2 * 0.033333333)
    image = frames[1].image
    assert image.shape == (480, 640, 3) and image.dtype == np.uint8
    assert image[5, 5, 0] == 200 and image[5, 5, 2] == 10  # red stays in channel 0
    assert image[0, 0, 1] == 1


def test_picamera2_releases_the_request_even_when_reading_it_fails():
    source, made = _source()
    source.open()
    made[0].fail_make_array = True
    with pytest.raises(RuntimeError, match="buffer mapping failed"):
        source.read()
    assert made[0].requests[0].released
    source.close()


def test_picamera2_closes_the_camera_when_it_cannot_be_configured(monkeypatch):
    source, made = _source()

    def refuse(self, config):
        raise RuntimeError("Invalid camera configuration")

    monkeypatch.setattr(RecordingPicamera2, "configure", refuse)
    with pytest.raises(RuntimeError, match="Invalid camera configuration"):
        source.open()
    assert [c[0] for c in made[0].calls][-1] == "close"
    with pytest.raises(RuntimeError, match="before open"):
        source.read()


def test_picamera2_reports_the_size_libcamera_settled_on():
    source, _ = _source(adjust_size=(640, 480))
    source.width = 642  # not a size the ISP delivers: libcamera adjusts it
    source.open()
    assert (source.width, source.height) == (640, 480)
    source.close()


def test_picamera2_missing_is_a_clear_station_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "picamera2", None)  # makes `import picamera2` fail
    source = Picamera2Source()
    with pytest.raises(StationError, match="picamera2 is not installed") as info:
        source.open()
    assert "\n" not in str(info.value)


def test_opencv_file_frames_are_rgb_with_times_from_index_and_fps(clips_dir):
    with OpenCVSource(clips_dir / "kb_deadlift_0016c_side.mp4") as source:
        assert (source.width, source.height, source.fps) == (360, 640, 60.0)
        assert source.frame_count == 1262
        frames = [source.read() for _ in range(166)]
    assert [f.index for f in frames[:3]] == [0, 1, 2]
    assert frames[60].t == pytest.approx(1.0)
    assert frames[165].t == pytest.approx(165 / 60)
    image = frames[165].image
    assert image.shape == (640, 360, 3)
    door = image[300:340, 330:345].reshape(-1, 3).mean(axis=0)  # the orange door, right edge
    assert door[0] > 150 and door[2] < 80  # red first: RGB, not OpenCV's BGR
    bell = image[505:515, 140:150].reshape(-1, 3).mean(axis=0)  # the blue kettlebell
    assert bell[2] > bell[0] + 30


def test_opencv_file_ends_with_none(clips_dir):
    with OpenCVSource(clips_dir / "deadlift_bad.mp4") as source:
        frames = list(iter(source.read, None))
    assert len(frames) == 29
    assert frames[-1].t == pytest.approx(28 / 30)


def test_opencv_file_played_in_realtime_is_on_the_monotonic_clock(clips_dir):
    before = time.monotonic()
    with OpenCVSource(clips_dir / "deadlift_bad.mp4", realtime=True) as source:
        frames = [source.read() for _ in range(6)]
    after = time.monotonic()
    assert before <= frames[0].t <= frames[-1].t <= after  # waited for each frame's time
    assert np.diff([f.t for f in frames]) == pytest.approx([1 / 30] * 5)


def test_opencv_unreadable_inputs_are_one_line_errors(tmp_path):
    with pytest.raises(InputError, match="video file not found"):
        OpenCVSource(tmp_path / "missing.mp4").open()
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("not a video\n")
    with pytest.raises(InputError, match="not a video OpenCV can read"):
        OpenCVSource(bogus).open()


def test_opencv_absent_webcam_is_a_config_error():
    with pytest.raises(ConfigError, match=r"\[camera\] device = '9'"):
        OpenCVSource("9").open()


def test_open_source_resolves_a_video_file_beside_the_config(tmp_path, clips_dir):
    clip = tmp_path / "clip.mp4"
    clip.symlink_to(clips_dir / "deadlift_bad.mp4")
    cfg = tmp_path / "station.toml"
    cfg.write_text('[camera]\nsource = "opencv"\ndevice = "clip.mp4"\n')
    source = open_source(load_config(cfg), realtime=False)
    assert isinstance(source, OpenCVSource) and Path(source.device) == clip
    with source:
        assert source.read().image.shape == (600, 600, 3)
    cfg.write_text('[camera]\nsource = "picamera2"\ncamera_num = 1\n')
    source = open_source(load_config(cfg))
    assert isinstance(source, Picamera2Source) and source.camera_num == 1 and source.full_view
