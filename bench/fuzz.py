"""The fuzzing suite's long budget: Hypothesis over every input the station reads, with fresh
seeds, for as long as asked; each failing input is kept in tests/fuzz/corpus/ (the test
suite replays every one) and said here.

    .venv/bin/python -m bench.fuzz                      # five minutes over every target
    .venv/bin/python -m bench.fuzz --minutes 60 --target pose --target config
    .venv/bin/python -m bench.fuzz --examples 2000 --seed 7

The inputs and the property are tests/fuzz/targets.py's. It prints, per target, the examples
run, the time they took, the slowest one and each failure with the file it was kept as.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as with_seed

from tests.fuzz.targets import TARGETS, Target


@dataclass
class Tally:
    """What one target's runs came to."""

    examples: int = 0
    seconds: float = 0.0
    slowest_s: float = 0.0
    kept: list[tuple[Path, str]] = field(default_factory=list)


def one_round(target: Target, seed: int, examples: int, scratch: Path,
              tally: Tally) -> None:
    """One Hypothesis run of `target` from `seed`. When the property fails, Hypothesis
    shrinks the input and runs the smallest last: that one goes to the corpus."""
    failing: list[tuple[bytes, str]] = []

    @with_seed(seed)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              print_blob=False, suppress_health_check=list(HealthCheck))
    @given(target.files)
    def holds(data: bytes) -> None:
        started = time.perf_counter()
        try:
            target.run(data, scratch)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            why = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            failing.append((data, f"{type(exc).__name__}: {why.splitlines()[-1][:200]}"))
            raise
        finally:
            took = time.perf_counter() - started
            tally.examples += 1
            tally.seconds += took
            tally.slowest_s = max(tally.slowest_s, took)

    try:
        holds()
    except KeyboardInterrupt:
        raise
    except BaseException:  # the property failed (or hung): keep the shrunk input
        if failing:
            data, why = failing[-1]
            if why not in {w for _, w in tally.kept}:  # the same failure again: kept once
                tally.kept.append((target.keep(data), why))


def _shown(path: Path) -> str:
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0,
                        help="time to spend, shared out between the targets (default 5)")
    parser.add_argument("--examples", type=int, default=500,
                        help="examples in each round of a target (default 500)")
    parser.add_argument("--target", action="append", choices=sorted(TARGETS),
                        help="fuzz only these (default: every one)")
    parser.add_argument("--seed", type=int, default=None, help="the first round's seed")
    args = parser.parse_args(argv)
    names = args.target or sorted(TARGETS)
    rng = random.Random(args.seed)
    share_s = args.minutes * 60 / len(names)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="station-fuzz-") as tmp:
        for name in names:
            target, tally = TARGETS[name], Tally()
            scratch = Path(tmp) / name
            scratch.mkdir()
            started = time.monotonic()
            rounds = 0
            while time.monotonic() - started < share_s:
                seed = rng.getrandbits(64)
                one_round(target, seed, args.examples, scratch, tally)
                rounds += 1
            mean_ms = 1000 * tally.seconds / max(1, tally.examples)
            print(f"{name:12s} {tally.examples:7d} examples in {rounds} rounds, "
                  f"{time.monotonic() - started:6.0f} s: {mean_ms:6.1f} ms each, slowest "
                  f"{tally.slowest_s:5.2f} s, {len(tally.kept)} failing kept", flush=True)
            for path, why in tally.kept:
                print(f"    {_shown(path)}: {why}")
            failed += len(tally.kept)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
