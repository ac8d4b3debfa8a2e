"""Camera and pose in a process of their own, sending pose frames back through a pipe.

In the station's process, pose inference competes for the GIL with the screen and the
station's loop; here it has its own interpreter (`python -m bench.bench_pipeline` measures both
ways). The child opens the configured camera, runs `PosePipeline` (capture thread,
newest-frame slot, pose worker) and sends each `PoseFrame` with the frame counts; the parent
polls without blocking.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

from station.config import Config
from station.domain import PoseFrame
from station.errors import StationError
from station.pose.pipeline import FrameCounts


def _child(config: Config, conn: Connection, stop: Any, realtime: bool) -> None:
    """The child process: camera + pose until stopped or the source ends."""
    from station.hardware.camera import open_source
    from station.pose.estimator import PoseEstimator
    from station.pose.pipeline import PosePipeline

    try:
        with PoseEstimator.from_config(config) as estimator:
            holder: list[PosePipeline] = []

            def send(pose: PoseFrame, frame: object) -> None:
                c = holder[0].counts()
                conn.send(("pose", pose.t, pose.landmarks, pose.width, pose.height,
                           (c.captured, c.processed, c.dropped)))

            pipeline = PosePipeline(open_source(config, realtime=realtime),
                                    estimator.process_frame, send)
            holder.append(pipeline)
            pipeline.start()
            while not stop.is_set() and not pipeline.wait(0.1):
                pass
            pipeline.stop()
            c = pipeline.counts()
            if pipeline.error is not None:
                raise pipeline.error
            conn.send(("end", (c.captured, c.processed, c.dropped)))
    except StationError as exc:
        conn.send(("station_error", str(exc)))
    except Exception as exc:  # reported to the parent, which owns the log
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class PoseProcess:
    """Runs the configured camera and pose estimator in a child process.

    `start()`, then `poll()` as often as the screen draws: it returns the pose frames that
    arrived (oldest first) without waiting. `counts` holds the child's latest frame counts,
    `finished` turns true when a file source has ended. A StationError in the child (a missing
    model, no camera) is raised again by `poll()` with its one line.
    """

    def __init__(self, config: Config, realtime: bool = True) -> None:
        self.config = config
        self.realtime = realtime
        self.counts = FrameCounts(0, 0, 0)
        self.finished = False
        self._ctx = multiprocessing.get_context("spawn")
        self._stop = self._ctx.Event()
        self._conn: Connection | None = None
        self._process: Any = None

    def start(self) -> PoseProcess:
        receive, send = self._ctx.Pipe(duplex=False)
        self._process = self._ctx.Process(
            target=_child, args=(self.config, send, self._stop, self.realtime),
            name="station-pose", daemon=True)
        self._process.start()
        send.close()
        self._conn = receive
        return self

    def poll(self, timeout: float = 0.0) -> list[PoseFrame]:
        """Pose frames received since the last call; waits up to `timeout` for the first."""
        poses: list[PoseFrame] = []
        conn = self._conn
        while conn is not None and not self.finished and conn.poll(timeout):
            timeout = 0.0
            try:
                message = conn.recv()
            except EOFError:
                self.finished = True
                break
            kind = message[0]
            if kind == "pose":
                _, t, landmarks, width, height, counts = message
                poses.append(PoseFrame(t, landmarks, width, height))
                self.counts = FrameCounts(*counts)
            elif kind == "end":
                self.counts = FrameCounts(*message[1])
                self.finished = True
            elif kind == "station_error":
                self.finished = True
                raise StationError(message[1])
            else:
                self.finished = True
                raise RuntimeError(f"pose process failed: {message[1]}")
        return poses

    def stop(self) -> None:
        self._stop.set()
        if self._process is not None:
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> PoseProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
