"""The coach on every real clip in ../shared/data, beside its figures on the simulator.

    .venv/bin/python -m bench.real_clips [--data DIR] [--sim-seed 5000 ...] [--no-sim]
                                         [--sets 60] [--reps 9] [--clip NAME ...] [--reps-detail]
                                         [--stick]

For each labelled set (clips2/, built from its clip as labels.json's `construction` says,
pose found by the station's own estimator and cached under ~/.cache/hinge-station; and the
side-view clips of clips/ with their saved landmarks) it prints the reps counted against the
labelled ones, the view the coach read and whether it judged, the verdict against the
label's, and the faults. Then what the targets of issue 24 ask of them:

- exact counts on every side-view set (whole reps, and reps seen in part said to be partial);
- no verdict from a front or oblique camera beyond 25 degrees (a reason instead);
- no invented rep (counted beyond the labelled whole and partial reps);
- the verdicts agree with the labels that say `pass` or `fail`;
- each fault's precision and recall over the judged reps of those sets (stick_contact
  against what a coach sees: the backs labelled rounded), on the faults each label speaks
  to.

Last, the simulator's figures on the same coach (bench/coach_accuracy.py's sets and tallies:
`--sim-seed` pools runs of `--sets` sets; the table in docs/accuracy.md pools 5000, 7000,
9000 and 11000). The first run finds pose on the clips (about a minute and a half); later
runs read the cache.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from station.coach import analyze
from station.coach.analyze import Report
from station.config import CoachConfig
from station.domain import Fault
from station.recordings.labelled_clips import (
    ClipLabel,
    labelled_set,
    load_labels,
    side_clips,
)

# A camera further than this off side-on must give no verdict (issue 24).
JUDGE_LIMIT_DEG = 25.0
JUDGED_FAULTS = (Fault.HIPS_STOPPED, Fault.KNEE_BEND, Fault.STICK_CONTACT, Fault.SHALLOW)


def default_data() -> Path:
    """../shared/data beside the checkout (as tests/conftest.py finds it)."""
    repo = Path(__file__).resolve().parents[1]
    for candidate in (repo.parent / "shared" / "data", Path("/work/shared/data")):
        if candidate.is_dir():
            return candidate
    return repo.parent / "shared" / "data"


def every_clip(data: Path) -> list[ClipLabel]:
    """Every labelled real clip under `data`: clips2/ (labels.json), then clips/."""
    return load_labels(data / "clips2" / "labels.json") + side_clips(data / "clips")


@dataclass
class Row:
    """One set's outcome against its label."""

    label: ClipLabel
    report: Report
    whole: int
    partial: int
    judged: list = field(default_factory=list)  # the judged reps (RepResult)
    view_said: str = ""
    reason: str = ""

    @property
    def side_on(self) -> bool:
        return self.label.view == "side" or self.label.view_deg <= JUDGE_LIMIT_DEG

    @property
    def count_exact(self) -> bool:
        """Every labelled rep counted, whole or said to be partial, and no other."""
        return self.whole + self.partial == self.label.reps + self.label.partial

    @property
    def invented(self) -> int:
        return max(0, self.whole + self.partial - self.label.reps - self.label.partial)

    @property
    def verdict(self) -> str:
        if not self.judged:
            return "none"
        failed = [not r.passed for r in self.judged]
        return "fail" if all(failed) else "pass" if not any(failed) else "mixed"

    @property
    def verdict_ok(self) -> bool | None:
        """Whether the verdicts agree with the label (None where the label does not ask)."""
        if not self.side_on:
            return not self.judged  # a camera the coach cannot judge from: no verdict
        if self.label.expected not in ("pass", "fail") or not self.judged:
            return None
        return self.verdict == self.label.expected

    @property
    def faults(self) -> set[str]:
        return {f.value for r in self.judged for f in r.faults}


def coach_clip(label: ClipLabel, cfg: CoachConfig) -> Row:
    """Coach one set and read what the report says about it."""
    report = analyze(labelled_set(label), None, cfg)
    data = report.to_dict()
    reps = data["reps"]
    partial = sum(bool(r.get("partial")) for r in reps)
    judged = [r for r in report.reps if getattr(r, "judged", True)]
    view = data.get("view")  # (a coach from before the view check has none)
    said, reason = "(no view check)", ""
    if view is not None:
        angle = view["angle_deg"]
        said = ("side-on" if view["judged"] else "not judged") + (
            f" {angle:.0f}°" if angle is not None else "")
        reasons = [s["reason"] for s in view["stretches"]] + [
            r["reason"] for r in reps if r.get("reason")]
        # (The commonest; among as common, the first given: the same on every run.)
        reason = Counter(reasons).most_common(1)[0][0] if reasons else ""
    return Row(label, report, len(reps) - partial, partial, judged, said, reason)


def _ok(flag: bool | None) -> str:
    return "-" if flag is None else "ok" if flag else "WRONG"


def print_table(rows: list[Row]) -> None:
    print(f"{'set':24s} {'camera (label)':15s} {'reps':>5s} {'got':>6s}  {'view said':16s} "
          f"{'verdict':>7s} {'got':>5s}  faults got (label)")
    for row in rows:
        lab = row.label
        camera = lab.view if lab.view != "oblique" else f"oblique {lab.view_deg:.0f}°"
        want = f"{lab.reps}" + (f"+{lab.partial}p" if lab.partial else "")
        got = f"{row.whole}" + (f"+{row.partial}p" if row.partial else "")
        mark = "" if not row.side_on or row.count_exact else " !"
        faults = ",".join(sorted(row.faults)) or "-"
        wanted = ",".join(lab.expected_faults) or "-"
        print(f"{lab.name:24s} {camera:15s} {want:>5s} {got:>6s}{mark:2s}{row.view_said:16s} "
              f"{lab.expected:>7s} {row.verdict:>5s}  {faults} ({wanted})"
              + (f"  [{_ok(row.verdict_ok)}]" if row.verdict_ok is not None else ""))
        if row.reason:
            print(f"{'':24s} {'':15s} {'':12s}  no verdict on some: {row.reason}")


def print_rep_detail(rows: list[Row]) -> None:
    for row in rows:
        print(f"\n{row.label.name}:")
        for rep, d in zip(row.report.reps, row.report.to_dict()["reps"], strict=True):
            m = rep.metrics
            print(f"  rep {rep.index} {rep.start:6.2f}-{rep.end:6.2f} s "
                  f"{'partial ' if d.get('partial') else ''}"
                  f"{'judged' if d.get('judged', True) else 'not judged'} "
                  f"{[f.value for f in rep.faults]} trunk {m.get('trunk_deg', 0):.0f} "
                  f"knee {m.get('knee_max_deg', 0):.0f} travel {m.get('hip_travel', 0):.2f} "
                  f"drop {m.get('hip_drop', 0):.2f}"
                  + (f" reason: {d['reason']}" if d.get("reason") else ""))


STICK_BANDS = ((0, 15), (15, 30), (30, 40), (40, 50), (50, 60), (60, 70), (70, 90))


def print_stick_by_lean(rows: list[Row], cfg: CoachConfig) -> None:
    """The head line's bend off the trunk line (forward positive, degrees) on every side-view
    set, median / 90th centile of the frames in each band of lean (docs/real-cameras.md)."""
    from station.coach.features import measure

    print("\n== head line off the trunk line by lean (median / 90th centile, degrees) ==")
    print(f"{'set':24s} " + " ".join(f"{f'{a}-{b}°':>9s}" for a, b in STICK_BANDS))
    for row in rows:
        if row.label.view != "side" or row.report.side is None:
            continue
        read = [measure(f, row.report.side, cfg.min_visibility)
                for f in labelled_set(row.label).frames() if f.has_person]
        got = np.array([(f.trunk, f.stick) for f in read
                        if f is not None and np.isfinite(f.stick)]).reshape(-1, 2)
        cells = []
        for lo, hi in STICK_BANDS:
            band = got[(got[:, 0] >= lo) & (got[:, 0] < hi), 1]
            cells.append(f"{np.median(band):4.0f}/{np.percentile(band, 90):<4.0f}"
                         if len(band) > 3 else "   -     ")
        rounded = " (rounded)" if "stick_contact" in row.label.expected_faults else ""
        print(f"{row.label.name:24s} " + " ".join(f"{c:>9s}" for c in cells) + rounded)


def _pr(tp: int, fp: int, fn: int) -> str:
    p = f"{100 * tp / (tp + fp):.0f}%" if tp + fp else "-"
    r = f"{100 * tp / (tp + fn):.0f}%" if tp + fn else "-"
    return f"precision {p:>4s} recall {r:>4s} (tp {tp}, fp {fp}, fn {fn})"


def print_targets(rows: list[Row]) -> None:
    side = [r for r in rows if r.side_on and r.label.view == "side"]
    exact = sum(r.count_exact for r in side)
    other = [r for r in rows if not r.side_on]
    judged_other = sum(bool(r.judged) for r in other)
    silent = sum(not r.reason for r in other if not r.judged)
    invented = sum(r.invented for r in rows)
    asked = [r for r in rows if r.verdict_ok is not None and r.side_on]
    agree = sum(bool(r.verdict_ok) for r in asked)
    print("\n== issue 24's targets on the real clips ==")
    print(f"  side-view sets counted exactly: {exact}/{len(side)}"
          + (f" (wrong: {', '.join(r.label.name for r in side if not r.count_exact)})"
             if exact < len(side) else ""))
    print(f"  front/oblique (> {JUDGE_LIMIT_DEG:.0f}°) sets given a verdict: "
          f"{judged_other}/{len(other)}; without a reason: {silent}")
    print(f"  reps invented (counted beyond the labelled ones): {invented}")
    print(f"  side-view verdicts agreeing with the label: {agree}/{len(asked)}")
    print("  faults over the judged reps of side-view sets labelled pass/fail:")
    for fault in JUDGED_FAULTS:
        tp = fp = fn = 0
        for r in rows:
            if not r.side_on or r.label.expected not in ("pass", "fail"):
                continue
            if fault.value not in r.label.labelled_faults:
                continue
            want = fault.value in r.label.expected_faults
            for rep in r.judged:
                got = fault in rep.faults
                tp += want and got
                fp += got and not want
                fn += want and not got
        print(f"    {fault.value:14s} {_pr(tp, fp, fn)}")


def print_simulator(seeds: list[int], sets: int, reps: int) -> None:
    """bench/coach_accuracy.py's figures on the same coach, condensed."""
    from bench.coach_accuracy import (
        Tally,
        honest_cameras,
        load_or_simulate,
        print_honest,
        score_set,
    )

    cfg = CoachConfig()
    band, learned, camera = Tally(), Tally(), Tally()
    for first in seeds:
        for seed in range(first, first + sets):
            sim = load_or_simulate(seed, reps, None)
            report = score_set(sim, band, True, cfg, f"seed {seed} band")
            score_set(sim, learned, True, cfg, f"seed {seed} band learned", report.band_gains)
            score_set(sim, camera, False, cfg, f"seed {seed} camera")
    print(f"\n== the simulator (bench/coach_accuracy.py, seeds {', '.join(map(str, seeds))}: "
          f"{band.sets} sets, {band.reps} reps) ==")
    print(f"{'':14s} {'count exact':>12s} {'pass/fail':>10s} {'lowest P/R':>10s} "
          f"{'false buzz/100':>14s} {'p50/p95 ms':>11s}")
    for name, t, faults in (("band", band, list(Fault)), ("band learned", learned, list(Fault)),
                            ("camera alone", camera,
                             [f for f in Fault if f is not Fault.BAND_SLACK])):
        worst = min(min(t.tp[f] / max(t.tp[f] + t.fp[f], 1), t.tp[f] / max(t.tp[f] + t.fn[f], 1))
                    for f in faults)
        lat = np.array(t.latency) * 1000.0 if t.latency else np.array([np.nan])
        per100 = 100.0 * t.false_buzzes / max(t.good_reps, 1)
        print(f"{name:14s} {t.exact:>5d}/{t.sets:<6d} {100 * t.agree / max(t.reps, 1):>9.2f}% "
              f"{100 * worst:>9.1f}% {per100:>14.2f} "
              f"{np.percentile(lat, 50):>5.0f}/{np.percentile(lat, 95):<5.0f}")
    print_honest(honest_cameras(seeds, 4, 6, cfg))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=None,
                    help="the shared data folder (default: ../shared/data beside the checkout)")
    ap.add_argument("--clip", action="append", help="only these sets (repeat)")
    ap.add_argument("--reps-detail", action="store_true", help="list every rep of every set")
    ap.add_argument("--stick", action="store_true",
                    help="the head line off the trunk line by lean, on every side-view set")
    ap.add_argument("--sim-seed", type=int, action="append",
                    help="first seed of a run of simulated sets (repeat to pool; 5000)")
    ap.add_argument("--sets", type=int, default=60, help="simulated sets a seed (60)")
    ap.add_argument("--reps", type=int, default=9, help="reps a simulated set (9)")
    ap.add_argument("--no-sim", action="store_true", help="the real clips only")
    args = ap.parse_args()
    data = args.data or default_data()
    t0 = time.perf_counter()
    cfg = CoachConfig()
    labels = [lab for lab in every_clip(data) if not args.clip or lab.name in args.clip]
    rows = [coach_clip(lab, cfg) for lab in labels]
    print(f"the coach on {len(rows)} real sets in {data}")
    print_table(rows)
    if args.reps_detail:
        print_rep_detail(rows)
    if args.stick:
        print_stick_by_lean(rows, cfg)
    print_targets(rows)
    if not args.no_sim:
        print_simulator(args.sim_seed or [5000], args.sets, args.reps)
    print(f"\n({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
