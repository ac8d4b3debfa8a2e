"""The newest-frame slot and the capture / pose threads: drop, never queue."""

from __future__ import annotations

import numpy as np

from station.domain import PoseFrame
from station.hardware.camera import Frame, OpenCVSource
from station.pose.pipeline import CaptureThread, NewestFrameSlot, PoseWorker


def _frame(i: int) -> Frame:
    return Frame(i / 30, np.zeros((4, 4, 3), np.uint8), i)


def test_slot_gives_the_newest_frame_and_counts_the_ones_it_dropped():
    slot = NewestFrameSlot()
    for i in range(3):
        slot.put(_frame(i))
    assert slot.take(timeout=0).index == 2
    assert (slot.captured, slot.taken, slot.dropped) == (3, 1, 2)
    assert slot.take(timeout=0) is None  # nothing new: no frame is handed out twice
    slot.put(_frame(3))
    slot.close()
    assert slot.take().index == 3  # a closed slot still gives what it holds
    assert slot.take() is None
    assert (slot.captured, slot.taken, slot.dropped) == (4, 2, 2)


def test_pose_worker_skips_to_the_newest_frame_while_busy(clips_dir):
    """The first inference is held until the camera has delivered the whole clip: the worker
    must then skip every frame in between and process the clip's last frame."""
    slot = NewestFrameSlot()
    source = OpenCVSource(clips_dir / "deadlift_good.mp4")
    source.open()
    capture = CaptureThread(source, slot)
    seen: list[int] = []

    def estimate(frame: Frame) -> PoseFrame:
        if not seen:
            capture.join()
        seen.append(frame.index)
        return PoseFrame.empty(frame.t, frame.width, frame.height)

    results: list[tuple[PoseFrame, Frame]] = []
    worker = PoseWorker(slot, estimate, lambda pose, frame: results.append((pose, frame)))
    worker.start()
    capture.start()
    worker.join(timeout=30)
    source.close()
    assert not worker.is_alive() and worker.error is None and capture.error is None
    assert len(seen) == 2 and seen[1] == 61 and seen[0] < 61
    counts = worker.counts()
    assert (counts.captured, counts.processed, counts.dropped) == (62, 2, 60)
    assert [f.index for _, f in results] == seen
    assert results[1][0].t == results[1][1].t == 61 / 30


def test_capture_thread_keeps_a_read_error_and_closes_the_slot():
    class Broken:
        width, height, fps = 4, 4, 30.0

        def __init__(self) -> None:
            self.n = 0

        def open(self) -> None: ...

        def close(self) -> None: ...

        def read(self) -> Frame | None:
            self.n += 1
            if self.n > 2:
                raise OSError("camera unplugged")
            return _frame(self.n)

    slot = NewestFrameSlot()
    capture = CaptureThread(Broken(), slot)
    capture.start()
    capture.join(timeout=10)
    assert isinstance(capture.error, OSError) and slot.closed
    assert slot.captured == 2 and slot.take().index == 2


def test_stopping_the_threads_ends_them_without_a_frame():
    slot = NewestFrameSlot()
    worker = PoseWorker(slot, lambda f: PoseFrame.empty(f.t, 4, 4), lambda p, f: None)
    worker.start()
    worker.stop()
    worker.join(timeout=10)
    assert not worker.is_alive() and worker.processed == 0


def test_pose_pipeline_on_a_real_clip_processes_in_order_and_accounts_for_every_frame(
        clips_dir):
    from station.config import PoseConfig
    from station.pose.estimator import PoseEstimator
    from station.pose.pipeline import PosePipeline

    results: list[tuple[PoseFrame, Frame]] = []
    with PoseEstimator(PoseConfig()) as estimator:
        source = OpenCVSource(clips_dir / "deadlift_nico_unblocked.mp4")  # as fast as it decodes
        with PosePipeline(source, estimator.process_frame,
                          lambda pose, frame: results.append((pose, frame))) as pipeline:
            assert pipeline.wait(timeout=60)
        counts = pipeline.counts()
    assert pipeline.error is None
    assert counts.captured == 109 and counts.processed == len(results)
    assert counts.processed + counts.dropped == counts.captured
    indices = [frame.index for _, frame in results]
    assert indices == sorted(set(indices)) and indices[-1] == 108  # newest first, never stale
    assert all(pose.t == frame.t for pose, frame in results)
    # Which frames get dropped depends on the machine's load (on a busy one only a handful are
    # processed), and MediaPipe's tracker can lose the lifter after a long gap. The detection
    # rate itself is test_pose's; here: real poses came through, most frames finding him.
    found = sum(pose.has_person for pose, _ in results)
    assert found >= max(1, len(results) // 2)
