"""The soonest any hips_stopped detector could buzz on the simulator's sensors (an oracle).

    .venv/bin/python -m bench.stall_bound [--sets 60] [--reps 9] [--seed 5000 ...] [--cache DIR]
                                          [--fps F] [--pose-delay S] [--band-shake F]

The issue's latency targets (p95 <= 100 ms with the band, <= 170 ms on the camera alone) are
measured by `coach_accuracy.py` on these same simulated sets. This script asks what the
sensors allow at all. Its oracle is given what no real detector has:

- the instant the hips stop, and where they would have gone had they not (the noise-free
  twin of every set: same athlete, camera and band with the noise turned off);
- the sensors' exact noise: the band's spread (its load cell's, and whatever `--band-shake`
  adds), and the camera's frame-to-frame correlated jitter on the hip (measured per rep as
  the noisy set minus its twin).

All it must do is wait until the hips' shortfall stands out of that noise: it buzzes at the
first sample at which the matched filter's signal-to-noise ratio reaches z (the band's
shortfall against its white noise, plus the camera's against its correlated jitter, whitened;
the camera's pre-stall jitter counts as known). A real detector must also find the onset and
the trend and keep its false buzzes rare over a hundred tests a rep, so it can only be
slower; z = 3 is a lenient bar (one test in 740 fires on noise alone), z = 4 a fair one.

It prints the oracle's latency p50 / p95 for each z, with the band and camera together, the
band alone and the camera alone, at the simulator's noise and with the noise scaled down
(what sensors would meet the targets), and on the sets whose camera jitters no more than the
real clips in ../shared/data (when they are there). `--fps` and `--pose-delay` ask the same at
the rates a Pi finds pose (5-15 frames a second) and with the time inference takes;
`--band-shake` on a band shaken by more than its load cell (as coach_accuracy.py).

Last, it asks the oracle's own test of every good rep the way a detector must ask it, at
every moment of the descent (`good_reps_of`), and prints the share of good reps it would
buzz at each bar beside the stalls' latency at that bar: the oracle is told that a stall
happened, and a detector is not.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.coach_accuracy import load_or_simulate, seeds_of, set_arguments
from station.coach.band import despiker
from station.coach.features import measure
from station.coach.tuning import Tuning
from station.domain import PoseStream, Side
from station.sim.session import SimulatedSet

# Seconds of the hips' motion before the stall that define where they were heading.
_TREND_S = 0.15
# Seconds after the stall the oracle may wait (a miss counts as this).
_HORIZON_S = 0.5
# Seconds before the stall in which the trend's last three samples are sought when _TREND_S
# holds fewer (frames lost, or found only 5-15 times a second).
_LOOKBACK_S = 1.0
_ZS = (3.0, 4.0)
# The bars the oracle's test is asked at on good reps (z = 4 is the oracle's own).
_GOOD_ZS = (4.0, 8.0, 16.0, 32.0, 64.0)
_SCALES = (1.0, 0.5, 0.25)
_REAL_CLIPS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "clips"
# Mid-hip and mid-shoulder landmarks (MediaPipe pose indices).
_HIPS, _SHOULDERS = (23, 24), (11, 12)


@dataclass(frozen=True)
class Stall:
    """One stall's evidence: per sample, its time after the onset and its squared SNR at
    unit noise (band: the shortfall over the band's noise; camera: the whitened
    innovation over the jitter's innovation spread)."""

    band_t: np.ndarray
    band_snr2: np.ndarray
    cam_t: np.ndarray
    cam_snr2: np.ndarray
    real_like: bool  # the set's camera jitters no more than the real clips

    def latency(self, z: float, scale: float, band: bool, camera: bool,
                band_scale: float | None = None) -> float:
        """Seconds from the onset until the oracle's evidence reaches z, with the sensors'
        noise scaled by `scale` (the band's by `band_scale` if given)."""
        bs = scale if band_scale is None else band_scale
        ts = [self.band_t] * band + [self.cam_t] * camera
        ss = [self.band_snr2 / (bs * bs)] * band + [self.cam_snr2 / (scale * scale)] * camera
        if not ts:
            return _HORIZON_S
        t = np.concatenate(ts)
        s = np.concatenate(ss)
        order = np.argsort(t, kind="stable")
        reached = np.nonzero(np.cumsum(s[order]) >= z * z)[0]
        return float(t[order][reached[0]]) if len(reached) else _HORIZON_S


def _trend(t: np.ndarray, x: np.ndarray, t0: float) -> np.ndarray | None:
    """x's straight trend before t0 (a line's coefficients): over _TREND_S, or through the
    last three samples where they come slower or some were lost; None without three."""
    ok = np.isfinite(x)
    pre = ok & (t > t0 - _TREND_S) & (t <= t0)
    if pre.sum() < 3:
        before = np.nonzero(ok & (t <= t0) & (t > t0 - _LOOKBACK_S))[0]
        pre = np.zeros_like(ok)
        pre[before[-3:]] = True
    if pre.sum() < 3:
        return None
    return np.polyfit(t[pre], x[pre], 1)


def _shortfall(t: np.ndarray, x: np.ndarray, t0: float) -> tuple[np.ndarray, np.ndarray]:
    """Times after t0 and how far x falls short of its straight pre-t0 trend there."""
    line = _trend(t, x, t0)
    post = np.isfinite(x) & (t > t0) & (t <= t0 + _HORIZON_S)
    if line is None:
        return np.empty(0), np.empty(0)
    return t[post] - t0, np.polyval(line, t[post]) - x[post]


def _behind(t: np.ndarray, x: np.ndarray, t0: float, until: float) -> np.ndarray:
    """How far x falls behind its straight pre-t0 trend (in the way it was heading) at each
    sample after t0 up to `until` (and _HORIZON_S): a stall's signal, the other way naught."""
    line = _trend(t, x, t0)
    post = np.isfinite(x) & (t > t0) & (t <= min(until, t0 + _HORIZON_S))
    if line is None:
        return np.empty(0)
    heading = 1.0 if line[0] >= 0.0 else -1.0
    return np.maximum(heading * (np.polyval(line, t[post]) - x[post]), 0.0)


def _innovations(short: np.ndarray, sigma: float, rho: float) -> np.ndarray:
    """A shortfall seen through AR(1) jitter of spread sigma and correlation rho, whitened
    (its value before the stall known, 0): each frame's innovation in noise widths."""
    prev = np.concatenate([[0.0], short[:-1]])
    return (short - rho * prev) / (sigma * math.sqrt(1.0 - rho * rho))


def _despiked(force: np.ndarray) -> np.ndarray:
    """The tension through the coach's despiker, put back on the times of its middle sample
    (the median of three lags one sample: the oracle is not made to wait for it)."""
    median = despiker(Tuning())
    out = np.array([median.add(float(x)) for x in force])
    return np.concatenate([out[1:], out[-1:]])


def _feature(pose: PoseStream, side: Side, name: str) -> np.ndarray:
    """One of the coach's features (`hip_forward`, `trunk`) of every frame, NaN without."""
    out = np.full(len(pose), np.nan)
    for i, frame in enumerate(pose.frames()):
        if frame.has_person:
            f = measure(frame, side, 0.0)
            if f is not None:
                out[i] = getattr(f, name)
    return out


def _seen_side(pose: PoseStream, start: float, end: float) -> Side:
    """The side the camera sees better between start and end (its hip's visibility)."""
    rep = (pose.t >= start) & (pose.t <= end)
    vis = pose.landmarks[rep][:, _HIPS, 3].mean(axis=0)
    return Side.LEFT if vis[0] >= vis[1] else Side.RIGHT


def _jitter(pose: PoseStream, noisy: np.ndarray, clean: np.ndarray,
            at: float) -> tuple[float, float]:
    """The camera's jitter on the hip within 2 s of `at` (the noisy set minus its twin):
    its spread and its lag-1 correlation."""
    near = (pose.t > at - 2.0) & (pose.t < at + 2.0)
    jitter = (noisy - clean)[near]
    pairs = np.isfinite(jitter[:-1]) & np.isfinite(jitter[1:])
    return (float(np.nanstd(jitter)),
            float(np.corrcoef(jitter[:-1][pairs], jitter[1:][pairs])[0, 1]))


def _mid_hip_x(landmarks: np.ndarray, width: float, height: float) -> tuple[np.ndarray, float]:
    """The mid-hip's horizontal position (pixels) per frame, and the trunk's median length."""
    hip = landmarks[:, _HIPS, :2].mean(axis=1) * (width, height)
    shoulder = landmarks[:, _SHOULDERS, :2].mean(axis=1) * (width, height)
    trunk = float(np.nanmedian(np.hypot(*(shoulder - hip).T)))
    return hip[:, 0], trunk


def hip_jitter(landmarks: np.ndarray, width: float, height: float) -> float:
    """The mid-hip's jitter as a share of the trunk's length: the spread of its horizontal
    position about a local quadratic (7 frames), the measure used on the real clips."""
    hip_x, trunk = _mid_hip_x(landmarks, width, height)
    # Savitzky-Golay (7 points, quadratic) smoothing; the residual is the jitter.
    smooth = np.convolve(hip_x, np.array([-2, 3, 6, 7, 6, 3, -2]) / 21.0, mode="same")
    return float(np.nanstd((hip_x - smooth)[3:-3]) / trunk)


def still_correlation(hip_x: np.ndarray, trunk_px: float, frames: int = 15) -> list[float]:
    """Lag-1 correlation of the hip's jitter in each still stretch of `frames` frames (the
    hip within 3% of the trunk's length of a quadratic), after the quadratic is taken out."""
    tt = np.arange(frames)
    out, i = [], 0
    while i + frames <= len(hip_x):
        seg = hip_x[i:i + frames]
        if np.all(np.isfinite(seg)):
            fit = np.polyval(np.polyfit(tt, seg, 2), tt)
            if np.ptp(fit) < 0.03 * trunk_px:
                r = seg - fit
                out.append(float(np.corrcoef(r[:-1], r[1:])[0, 1]))
                i += frames
                continue
        i += 1
    return out


def real_clips(clips: Path) -> dict[str, tuple[np.ndarray, float, float]]:
    """Each real clip's landmarks at 30 frames/s (60 frames/s clips take every other), with
    the image's width and height; none when the clips are not there."""
    out = {}
    for path in sorted(clips.glob("*.npz")):
        d = np.load(path)
        t, landmarks = d["t"], d["landmarks"]
        step = 2 if len(t) > 1 and np.median(np.diff(t)) < 1 / 45 else 1
        out[path.name.split(".")[0]] = (landmarks[::step], float(d["width"]),
                                        float(d["height"]))
    return out


def ar1_still_correlation(rho: float, rng: np.random.Generator, n: int = 2000) -> float:
    """What `still_correlation` reads, on average, on a pure AR(1) jitter of correlation rho."""
    e = np.zeros(n * 15)
    w = rng.normal(size=len(e))
    for i in range(1, len(e)):
        e[i] = rho * e[i - 1] + math.sqrt(1 - rho * rho) * w[i]
    return float(np.mean(still_correlation(e, 1e9)))


def stalls_of(noisy: SimulatedSet, clean: SimulatedSet, real_like: bool,
              pose_delay: float = 0.0) -> list[Stall]:
    """Every stall of one set, with the oracle's evidence for it (`pose_delay`: seconds
    each frame's pose comes after its time stamp; the band's samples come at once)."""
    pose = noisy.pose
    tt = noisy.tension.t
    force = _despiked(clean.tension.force_n)
    band_sigma = math.hypot(noisy.scenario.tension_noise_n, noisy.scenario.load_cell_noise_n or 0.0)
    hips = {side: (_feature(pose, side, "hip_forward"), _feature(clean.pose, side, "hip_forward"))
            for side in (Side.LEFT, Side.RIGHT)}
    out = []
    for truth in noisy.truth:
        t0 = truth.hips_stopped_t
        if t0 is None:
            continue
        bt, bd = _shortfall(tt, force, t0)
        # The camera reads the hip nearer to it: the side whose hip MediaPipe sees better.
        x_noisy, x_clean = hips[_seen_side(pose, truth.start, truth.end)]
        sigma, rho = _jitter(pose, x_noisy, x_clean, t0)
        ct, cd = _shortfall(pose.t, np.where(np.isfinite(x_noisy), x_clean, np.nan), t0)
        innov = _innovations(cd, sigma, rho)
        out.append(Stall(bt, (bd / band_sigma) ** 2, ct + pose_delay, innov ** 2, real_like))
    return out


@dataclass(frozen=True)
class GoodRep:
    """A good rep's descent, asked the oracle's question at every moment a detector must ask
    it: the most evidence of a stall (SNR^2 at unit noise) the oracle's own test finds there,
    on the band and on the camera."""

    band_snr2: float
    cam_snr2: float

    def buzzed(self, z: float, band: bool) -> bool:
        return (self.band_snr2 if band else self.cam_snr2) >= z * z


def good_reps_of(noisy: SimulatedSet, clean: SimulatedSet) -> list[GoodRep]:
    """Every good rep (no fault) of one set, with the oracle's test asked at each moment c
    of its descent (every `hips_stopped_onset_step_s`, from the rep's start to the trunk's
    deepest frame, while the trunk folds at `shape_trunk_dps`, as the coach asks it): the
    hips' shortfall behind their straight trend before c, up to the deepest frame, summed
    as the oracle sums a stall's. Only a shortfall counts (hips speeding up are no stall),
    and the trend is the noise-free twin's: the oracle's knowledge."""
    tun = Tuning()
    pose, clean_pose = noisy.pose, clean.pose
    tt = noisy.tension.t
    force = _despiked(clean.tension.force_n)
    band_sigma = math.hypot(noisy.scenario.tension_noise_n, noisy.scenario.load_cell_noise_n or 0.0)
    sides: dict[Side, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    # The trunk's speed over a tenth of a second, or over 2.5 frames when they come slower.
    span = max(0.1, 2.5 * float(np.median(np.diff(pose.t))))
    out = []
    for truth in noisy.truth:
        if truth.faults:
            continue
        side = _seen_side(pose, truth.start, truth.end)
        if side not in sides:
            sides[side] = (_feature(pose, side, "hip_forward"),
                           _feature(clean_pose, side, "hip_forward"),
                           _feature(clean_pose, side, "trunk"))
        x_noisy, x_clean, trunk = sides[side]
        rep = (pose.t >= truth.start) & (pose.t <= truth.end)
        if not np.isfinite(trunk[rep]).any():
            continue
        t_rep, trunk_rep = pose.t[rep], trunk[rep]
        # The side seen better may not be the way the athlete faces: the lean then reads
        # backwards (the hip's shortfall is read either way).
        trunk_rep = trunk_rep * (1.0 if np.nanmean(trunk_rep) >= 0.0 else -1.0)
        bottom = float(t_rep[np.nanargmax(trunk_rep)])
        sigma, rho = _jitter(pose, x_noisy, x_clean, 0.5 * (truth.start + truth.end))
        x_cam = np.where(np.isfinite(x_noisy), x_clean, np.nan)
        band = cam = 0.0
        for c in np.arange(truth.start + tun.hips_stopped_onset_step_s, bottom,
                           tun.hips_stopped_onset_step_s):
            recent = (t_rep > c - span) & (t_rep <= c) & np.isfinite(trunk_rep)
            if recent.sum() < 2:
                continue
            ts, ks = t_rep[recent], trunk_rep[recent]
            if (ks[-1] - ks[0]) / (ts[-1] - ts[0]) < tun.shape_trunk_dps:
                continue
            band = max(band, float(np.sum((_behind(tt, force, c, bottom) / band_sigma) ** 2)))
            cam = max(cam, float(np.sum(_innovations(_behind(pose.t, x_cam, c, bottom),
                                                     sigma, rho) ** 2)))
        out.append(GoodRep(band, cam))
    return out


def _row(stalls: list[Stall], z: float, scale: float, band_scale: float | None = None) -> str:
    if not stalls:
        return "no stalls"
    cells = []
    for band, camera in ((True, True), (True, False), (False, True)):
        lat = np.array([s.latency(z, scale, band, camera, band_scale)
                        for s in stalls]) * 1000.0
        cells.append(f"{np.percentile(lat, 50):4.0f} / {np.percentile(lat, 95):4.0f}")
    return " | ".join(cells)


def main() -> int:
    ap = set_arguments(__doc__.splitlines()[0])
    ap.add_argument("--clips", type=Path, default=_REAL_CLIPS,
                    help="the real clips' landmarks (default ../shared/data/clips)")
    ap.add_argument("--fps", type=float,
                    help="pose frames a second (as coach_accuracy.py: a Pi finds pose 5-15 "
                         "times a second)")
    ap.add_argument("--pose-delay", type=float, default=0.0,
                    help="seconds each frame's pose comes after its time stamp (inference)")
    ap.add_argument("--band-shake", type=float, default=0.0,
                    help="add what else shakes a band besides the hips (as coach_accuracy.py)")
    args = ap.parse_args()
    started = time.perf_counter()
    clips = real_clips(args.clips)
    real_jitter = max((hip_jitter(*c) for c in clips.values()), default=None)
    stalls: list[Stall] = []
    good: list[GoodRep] = []
    seeds = seeds_of(args)
    for seed in seeds:
        shake = args.band_shake
        noisy = load_or_simulate(seed, args.reps, args.cache, 1.0, fps=args.fps,
                                 band_shake=shake)
        clean = load_or_simulate(seed, args.reps, args.cache, 0.0, fps=args.fps,
                                 band_shake=shake)
        # The camera's jitter is compared with the real clips' at their 30 frames a second.
        filmed = (noisy if args.fps is None
                  else load_or_simulate(seed, args.reps, args.cache, 1.0,
                                        band_shake=shake)).pose
        real_like = real_jitter is not None and hip_jitter(
            filmed.landmarks, filmed.width, filmed.height) <= real_jitter
        stalls += stalls_of(noisy, clean, real_like, args.pose_delay)
        good += good_reps_of(noisy, clean)
    rate = f"pose {args.fps or 30:g} frames a second" + (
        f", {args.pose_delay * 1000:.0f} ms late" if args.pose_delay else "")
    print(f"{len(seeds)} sets, {len(stalls)} stalls ({rate}): the oracle's buzz latency, "
          "p50 / p95 ms")
    print("(it knows the onset, the trend and the noise; a real detector is slower)\n")
    print("noise  z   | band + camera | band alone  | camera alone")
    for scale in _SCALES:
        for z in _ZS:
            print(f"x{scale:<5g}{z:<4g}| {_row(stalls, z, scale)}")
    print("the band's noise alone scaled (the camera's as simulated):")
    for band_scale in _SCALES[1:]:
        for z in _ZS:
            print(f"x{band_scale:<5g}{z:<4g}| {_row(stalls, z, 1.0, band_scale)}")
    if real_jitter is not None:
        like = [s for s in stalls if s.real_like]
        print(f"\nthe {len(like)} stalls on cameras within the real clips' jitter "
              f"(mid-hip at most {real_jitter:.4f} of the trunk):")
        for z in _ZS:
            print(f"x1    {z:<4g}| {_row(like, z, 1.0)}")
    if real_jitter is not None:
        print("\nthe real clips' hip jitter while still: lag-1 correlation after a quadratic "
              "is taken out of each 15 frames")
        for name, clip in clips.items():
            rs = still_correlation(*_mid_hip_x(*clip))
            if rs:
                print(f"  {name}: {np.mean(rs):+.2f} ({len(rs)} stretches)")
        rng = np.random.default_rng(1)
        print("  an AR(1) jitter reads " + ", ".join(
            f"{ar1_still_correlation(r, rng):+.2f} at {r}" for r in (0.5, 0.8, 0.9)))
    print(f"\nthe oracle's test asked of the {len(good)} good reps as a detector must ask it (at "
          "every moment of their descents while the trunk folds, the hips behind their "
          "trend): the share it buzzes, and the stalls' latency at that bar, p50 / p95 ms "
          "(500: not within half a second); the coach may buzz 1 in 200 good reps (0.5%)")
    print("z   | band alone: good reps | stalls      | camera alone: good reps | stalls")
    for z in _GOOD_ZS:
        cells = []
        for band, width in ((True, 21), (False, 23)):
            share = 100.0 * np.mean([g.buzzed(z, band) for g in good]) if good else 0.0
            lat = np.array([s.latency(z, 1.0, band, not band) for s in stalls]) * 1000.0
            cell = f"{share:{width - 1}.1f}%"
            if len(lat):
                cell += f" | {np.percentile(lat, 50):4.0f} / {np.percentile(lat, 95):4.0f}"
            cells.append(cell)
        print(f"{z:<4g}| {cells[0]} | {cells[1]}")
    print("\ntargets: p95 <= 100 ms with the band, <= 170 ms on the camera alone")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
