"""Shared test fixtures: where the real clips are, and SDL without a screen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

REPO = Path(__file__).resolve().parents[1]


def _shared_data() -> Path:
    """../shared/data beside the checkout (as in CI); /work/shared/data in a worktree."""
    for candidate in (REPO.parent / "shared" / "data", Path("/work/shared/data")):
        if candidate.is_dir():
            return candidate
    return REPO.parent / "shared" / "data"


SHARED_DATA = _shared_data()
CLIPS = SHARED_DATA / "clips"


@pytest.fixture
def clips_dir() -> Path:
    if not CLIPS.is_dir():
        pytest.fail(f"real clips not found at {CLIPS}: CI keeps ../shared beside the checkout")
    return CLIPS
