"""The fuzzing suite's short budget: every input the station reads, made by Hypothesis, held
to one property (a report, or one line and exit 2; never a traceback, a hang or a changed
input: tests/fuzz/targets.py). Derandomized, so CI sees the same inputs every run;
`python -m bench.fuzz` runs the long budget and keeps what it finds in tests/fuzz/corpus/,
which is replayed here."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzz.targets import (
    SPECIAL_PATHS,
    TARGETS,
    assert_report_or_one_line,
    pose_file,
    run_station,
    special_path,
    time_limit,
)

# Examples per target in the test command: enough to cross every branch of the strategies a
# few times, few enough that the suite stays quick (the video's run in processes of their own).
BUDGET = {"config": 300, "pose": 200, "tension": 150, "calibration": 30, "video": 10,
          "roster": 40}

SHORT = settings(derandomize=True, database=None, deadline=None, print_blob=False,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.large_base_example])


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_input_gives_a_report_or_one_line(name, scratch):
    target = TARGETS[name]

    @settings(SHORT, max_examples=BUDGET[name])
    @given(target.files)
    def holds(data: bytes) -> None:
        target.run(data, scratch)

    holds()


CORPUS = [(name, path) for name, target in sorted(TARGETS.items()) for path in target.corpus()]


@pytest.mark.parametrize(("name", "path"), CORPUS,
                         ids=[f"{name}/{path.name}" for name, path in CORPUS])
def test_every_input_the_fuzzer_ever_found_stays_fixed(name, path, scratch):
    TARGETS[name].run(path.read_bytes(), scratch)


def _command(name: str, path: str, scratch) -> list[str]:
    good = str(pose_file(scratch))
    return {"config": ["analyze", good, "--json", "--config", path],
            "pose": ["analyze", path, "--json"],
            "tension": ["analyze", good, "--tension", path, "--json"],
            "video": ["replay", path, "--json"],
            "roster": ["cards", path, str(scratch / "cards.pdf"), "--config",
                       str(scratch / "roster-station.toml")]}[name]


@pytest.mark.parametrize("special", SPECIAL_PATHS)
@pytest.mark.parametrize("name", ["config", "pose", "tension", "video", "roster"])
def test_a_path_that_is_no_file_is_one_line_at_once(name, special, scratch):
    """A pipe that never ends, a device that never runs dry, a folder, nothing at all:
    refused naming the path, before anything is read."""
    path = special_path(special, scratch)
    (scratch / "roster-station.toml").write_text(
        f'[store]\npath = "{scratch / "roster-log.sqlite3"}"\n')
    outcome = run_station(*_command(name, str(path), scratch))
    assert_report_or_one_line(outcome)
    assert outcome.code == 2 and str(path) in outcome.err


@pytest.mark.parametrize("special", SPECIAL_PATHS)
def test_a_calibration_that_is_no_file_is_one_warning_at_once(special, scratch):
    from station.tension.calibration import load_calibration

    path = special_path(special, scratch)
    with time_limit(10.0):
        cal, warning = load_calibration(path)
    assert not cal.calibrated and str(path) in warning and "\n" not in warning
