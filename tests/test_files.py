"""Files the station makes to fill and rename into place: made as `open()` makes a file."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from station.files import new_file
from station.recordings.formats import save_pose_npz
from station.recordings.outputs import replacing
from station.sim.session import simulate_set
from tests.support import umask


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_has_the_mode_open_gives_under_the_umask(tmp_path, mask, mode):
    """The atomic writers' files were 0600 whatever the umask (tempfile.mkstemp)."""
    with umask(mask):
        fd, path = new_file(tmp_path, ".x-", ".tmp")
        os.close(fd)
        with open(tmp_path / "plain", "w"):
            pass
    assert _mode(path) == mode == _mode(tmp_path / "plain")
    assert path.parent == tmp_path and path.name.startswith(".x-") and path.suffix == ".tmp"


def test_new_files_never_share_a_name_nor_follow_a_link(tmp_path):
    made = []
    for _ in range(50):
        fd, path = new_file(tmp_path, "a", ".b")
        os.write(fd, b"mine")
        os.close(fd)
        made.append(path)
    assert len(set(made)) == 50
    assert all(p.read_bytes() == b"mine" for p in made)


def test_an_output_written_whole_is_readable_by_other_users(tmp_path):
    """`station replay --save-pose` (and --annotate) made its outputs 0600: a file written
    with sudo could not be read by the station's own user."""
    out = tmp_path / "pose.npz"
    with umask(0o022), replacing(out, "pose stream") as temp:
        save_pose_npz(temp, simulate_set(3, 1).pose)
    assert _mode(out) == 0o644
    with np.load(out) as data:
        assert data["landmarks"].shape[1:] == (33, 4)
    assert [p.name for p in tmp_path.iterdir()] == ["pose.npz"]
