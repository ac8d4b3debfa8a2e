"""System tools some tests need (shellcheck, systemd-analyze): present in CI, optional here."""

from __future__ import annotations

import os
import shutil

import pytest


def tool(name: str) -> str:
    """The path of `name`; skips the test where it is missing, fails in CI (CI=true).

    install.sh --dev installs them with apt-get when run as root, as CI does.
    """
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} missing in CI: install.sh --dev should have installed it")
        pytest.skip(f"{name} not installed (sudo apt-get install {name})")
    return path
