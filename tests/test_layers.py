"""The station's layering, as contracts that import-linter checks ([tool.importlinter] in
pyproject.toml): the coach is pure, the flow knows no screen or hardware, the kiosk sees only
the flow's view model, no two parts import each other, and every part has its layer."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _contracts() -> list[dict]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text())
    return data["tool"]["importlinter"]["contracts"]


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "broken" not in result.stdout.split("Contracts:")[-1].replace("0 broken", "")


def test_every_part_of_the_station_has_a_layer() -> None:
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in re.split(r"[|:]", layer)}
    parts = {f"station.{p.stem}" for p in (REPO / "station").iterdir()
             if (p.is_dir() and (p / "__init__.py").exists())
             or (p.suffix == ".py" and p.stem != "__init__")}
    assert parts - placed == set(), "give each new part a layer in pyproject.toml"
    assert placed - parts == set(), "the layers name a part that is gone"
