"""`station replay VIDEO`: pose on every frame of a video file, then the coach's report.

Options save the pose stream (`--save-pose`, the `.npz` of docs/formats.md) and write an
annotated copy of the video (`--annotate`: skeleton, stick line, hip path, each rep's
PASS / FAIL). An output that would overwrite an input, or cannot be written, is refused
before pose runs; one that fails at the end is named after the report, with exit status 2.
The work is `station.recordings.replay`.
"""

from __future__ import annotations

import argparse
import json
import sys

from station.config import Config
from station.recordings.replay import replay_video
from station.recordings.report_text import report_lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", metavar="VIDEO", help="a video file (side view of the athlete)")
    parser.add_argument("--tension", metavar="CSV", default=None,
                        help="band tension recorded alongside (t,force_n; t in video seconds)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--save-pose", metavar="OUT.npz", default=None,
                        help="also write the pose stream found in the video")
    parser.add_argument("--annotate", metavar="OUT.mp4", default=None,
                        help="also write the video with skeleton, stick line, hip path "
                             "and verdicts drawn on it (.mp4; .m4v, .mov, .mkv, .avi too)")


def run(args: argparse.Namespace, config: Config) -> int:
    result = replay_video(args.video, config, tension_csv=args.tension,
                          save_pose=args.save_pose, annotate=args.annotate)
    if args.json:
        print(json.dumps(result.report.to_dict(), indent=2))
    else:
        print(f"{result.video}: {len(result.stream)} frames, the athlete in view in "
              f"{result.frames_in_view}.")
        print("\n".join(report_lines(result.report,
                                     band_checked=bool(args.tension))))
    # The report stands; an output that could not be written at the end is said after it.
    for line in result.unsaved:
        print(f"station: error: {line}", file=sys.stderr)
    return 2 if result.unsaved else 0
