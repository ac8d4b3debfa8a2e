"""A Tasks `.task` pose model made offline from the two models inside the mediapipe 0.10.18 wheel.

The Tasks `PoseLandmarker` needs a bundle of `pose_detector.tflite` and
`pose_landmarks_detector.tflite`, each carrying image-normalisation metadata, zipped uncompressed
and aligned. The wheel's legacy models lack that metadata; this adds it (detector mean/std
127.5/127.5, landmarker 0/255 — inferred from the legacy graph, not Google's published bundle)
so the Tasks backend runs without internet. Landmarks then match the legacy API to about 1% of
the image. Another landmark model (the lite one install.sh fetches) may take the full one's
place. Every model file is checked against the sha256 MediaPipe pins for it before it is used.

    python -m station.pose.models [--landmarks pose_landmark_lite.tflite] OUT.task
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

# The sha256 of MediaPipe's pose model files, as MediaPipe's own repository pins them
# (third_party/external_files.bzl); the 0.10.18 wheel's two match.
KNOWN_SHA256 = {
    "pose_detection.tflite": "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    "pose_landmark_full.tflite":
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    "pose_landmark_lite.tflite":
        "1150dc68a713b80660b90ef46ce4e85c1c781bb88b6e3512cc64e6a685ba5588",
    "pose_landmark_heavy.tflite":
        "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
}


class ModelError(Exception):
    """A model file that is not the one MediaPipe published."""


def checked_model(path: Path) -> bytes:
    """The bytes of a pose model file, once its sha256 is the one MediaPipe pins for its
    name; ModelError otherwise (an unknown name, a changed or damaged file)."""
    want = KNOWN_SHA256.get(path.name)
    if want is None:
        raise ModelError(f"{path}: not a pose model this knows ({', '.join(KNOWN_SHA256)})")
    data = path.read_bytes()
    got = hashlib.sha256(data).hexdigest()
    if got != want:
        raise ModelError(f"{path}: sha256 {got} is not MediaPipe's {want}")
    return data


def _with_metadata(model: bytes, name: str, mean: float, std: float) -> bytes:
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer, writer_utils

    writer = (metadata_writer.MetadataWriter.create(bytearray(model))
              .add_general_info(name)
              .add_image_input([mean], [std]))
    for _ in writer_utils.get_output_tensor_types(bytearray(model)):
        writer.add_feature_output()
    return bytes(writer.populate()[0])


def build_pose_task(out: str | Path, landmarks: str | Path | None = None) -> Path:
    """Write a pose `.task` bundle to `out`: the wheel's detector with its full landmark
    model, or with the landmark model at `landmarks` (pose_landmark_lite.tflite, ...)."""
    import mediapipe as mp
    from mediapipe.tasks.python.metadata.metadata_writers import model_asset_bundle_utils

    modules = Path(mp.__file__).parent / "modules"
    detector = checked_model(modules / "pose_detection" / "pose_detection.tflite")
    landmarker = checked_model(Path(landmarks) if landmarks is not None else
                               modules / "pose_landmark" / "pose_landmark_full.tflite")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    model_asset_bundle_utils.create_model_asset_bundle({
        "pose_detector.tflite": _with_metadata(detector, "pose_detector", 127.5, 127.5),
        "pose_landmarks_detector.tflite": _with_metadata(landmarker, "pose_landmarks_detector",
                                                         0.0, 255.0),
    }, str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m station.pose.models [--landmarks MODEL.tflite] OUT.task`: build the
    bundle, print where it went."""
    args = list(sys.argv[1:] if argv is None else argv)
    landmarks = None
    if len(args) == 3 and args[0] == "--landmarks":
        landmarks, args = args[1], args[2:]
    if len(args) != 1:
        print("usage: python -m station.pose.models [--landmarks MODEL.tflite] OUT.task",
              file=sys.stderr)
        return 2
    try:
        print(build_pose_task(args[0], landmarks))
    except (ModelError, OSError) as exc:
        print(f"station.pose.models: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
