"""A Tasks `.task` pose model made offline from the two models inside the mediapipe 0.10.18 wheel.

The Tasks `PoseLandmarker` needs a bundle of `pose_detector.tflite` and
`pose_landmarks_detector.tflite`, each carrying image-normalisation metadata, zipped uncompressed
and aligned. The wheel's legacy models lack that metadata; this adds it (detector mean/std
127.5/127.5, landmarker 0/255 — inferred from the legacy graph, not Google's published bundle)
so the Tasks backend runs without internet. Landmarks then match the legacy API to about 1% of
the image. On a Pi with internet, prefer Google's own `.task` files (install.sh fetches them).

    python -m station.pose.models OUT.task
"""

from __future__ import annotations

import sys
from pathlib import Path


def _with_metadata(model: bytes, name: str, mean: float, std: float) -> bytes:
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer, writer_utils

    writer = (metadata_writer.MetadataWriter.create(bytearray(model))
              .add_general_info(name)
              .add_image_input([mean], [std]))
    for _ in writer_utils.get_output_tensor_types(bytearray(model)):
        writer.add_feature_output()
    return bytes(writer.populate()[0])


def build_pose_task(out: str | Path) -> Path:
    """Write a full-model pose `.task` bundle to `out` from the installed mediapipe wheel."""
    import mediapipe as mp
    from mediapipe.tasks.python.metadata.metadata_writers import model_asset_bundle_utils

    modules = Path(mp.__file__).parent / "modules"
    detector = (modules / "pose_detection" / "pose_detection.tflite").read_bytes()
    landmarker = (modules / "pose_landmark" / "pose_landmark_full.tflite").read_bytes()
    out = Path(out)
    model_asset_bundle_utils.create_model_asset_bundle({
        "pose_detector.tflite": _with_metadata(detector, "pose_detector", 127.5, 127.5),
        "pose_landmarks_detector.tflite": _with_metadata(landmarker, "pose_landmarks_detector",
                                                         0.0, 255.0),
    }, str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m station.pose.models OUT.task`: build the bundle, print where it went."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m station.pose.models OUT.task", file=sys.stderr)
        return 2
    print(build_pose_task(args[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
