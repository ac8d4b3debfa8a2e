"""`station demo --headless`: one simulated set coached offline, beside what the simulated
athlete really did; optionally written out as the files a real session would leave."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from station.coach import Report, analyze
from station.config import Config
from station.domain import PoseFrame, PoseStream
from station.errors import InputError
from station.recordings.formats import save_pose_npz, save_tension_csv
from station.recordings.report_text import report_lines
from station.sim.session import SimulatedSet, simulate_set


@dataclass(frozen=True, eq=False)
class _Shown(PoseStream):
    """A pose stream whose frames, as the coach takes them, move a progress bar on stderr."""

    def frames(self) -> Iterator[PoseFrame]:
        from tqdm import tqdm

        yield from tqdm(super().frames(), desc="coach", total=len(self), unit=" frames",
                        unit_scale=True, delay=0.5, leave=False, file=sys.stderr)


@dataclass(frozen=True)
class DemoSet:
    """A simulated set and the coach's report on it."""

    seed: int
    sim: SimulatedSet
    report: Report

    def truth(self) -> list[dict]:
        """What the simulated athlete really did, rep by rep, as JSON-ready dicts."""
        return [{"index": t.index, "kind": t.kind.value, "faults": [f.value for f in t.faults],
                 "hips_stopped_t": t.hips_stopped_t} for t in self.sim.truth]

    def to_json(self) -> str:
        """The report as JSON, with the truth beside it."""
        return json.dumps({**self.report.to_dict(), "truth": self.truth()}, indent=2)

    def to_text(self) -> str:
        """The athlete in one line, then the report rep by rep beside the truth."""
        s = self.sim.scenario
        intro = (f"Simulated athlete (seed {self.seed}): {s.height_m:.2f} m tall, camera "
                 f"{s.view.distance:.1f} m away, band {s.band_stiffness:.0f} N/m.")
        return "\n".join([intro, *report_lines(self.report, self.sim.truth,
                                                 band_checked=True)])

    def save(self, out: Path) -> None:
        """Write the set as pose.npz, tension.csv and truth.json in `out`."""
        try:
            out.mkdir(parents=True, exist_ok=True)
            save_pose_npz(out / "pose.npz", self.sim.pose)
            save_tension_csv(out / "tension.csv", self.sim.tension)
            (out / "truth.json").write_text(json.dumps(self.truth(), indent=2))
        except OSError as exc:
            raise InputError(f"{out}: cannot write the simulated set ({exc.strerror})") from None


def coach_simulated_set(config: Config, seed: int, reps: int,
                        save: Path | None = None, progress: bool | None = None) -> DemoSet:
    """Simulate athlete `seed` doing `reps` reps and coach the set offline (written to
    `save` first, when given). `progress`: bars on stderr while it simulates and coaches
    (default: when stderr is a terminal; they show after half a second)."""
    if progress is None:
        progress = sys.stderr.isatty()
    sim = simulate_set(seed, reps, progress=progress)
    pose = _Shown(sim.pose.t, sim.pose.landmarks, sim.pose.width, sim.pose.height) \
        if progress else sim.pose
    demo = DemoSet(seed, sim, analyze(pose, sim.tension, config.coach))
    if save is not None:
        demo.save(save)
    return demo
