"""`station analyze POSE.npz [--tension CSV] [--json]`: coach a recorded set."""

from __future__ import annotations

import argparse
import json

from station.coach import analyze
from station.config import Config
from station.recordings.formats import check_same_clock, load_pose_npz, load_tension_csv
from station.recordings.report_text import report_lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pose", metavar="POSE.npz", help="pose stream (.npz, docs/formats.md)")
    parser.add_argument("--tension", metavar="CSV", help="band tension stream (t,force_n)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace, config: Config) -> int:
    pose = load_pose_npz(args.pose)
    tension = load_tension_csv(args.tension) if args.tension else None
    if tension is not None:
        check_same_clock(pose, tension, args.tension)
    report = analyze(pose, tension, config.coach)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print("\n".join(report_lines(report, band_checked=tension is not None)))
    return 0
