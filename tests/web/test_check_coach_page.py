"""`station check` reports the coach page: off without a PIN, serving, or down."""

from __future__ import annotations

from station.appliance.selftest import Status, check_coach_page
from station.config import load_config
from station.sim.logbook import fill_log
from tests.web.conftest import free_port, start_server, stop, write_config


def test_off_without_a_pin_is_not_a_fault(tmp_path):
    config = write_config(tmp_path, free_port())
    (tmp_path / "web-pin").unlink()
    result = check_coach_page(load_config(config))
    assert result.status is Status.OK and result.detail.startswith("off: no PIN set")


def test_serving_and_down(tmp_path):
    port = free_port()
    path = write_config(tmp_path, port)
    config = load_config(path)
    down = check_coach_page(config, timeout_s=1.0)
    assert down.status is Status.FAIL and down.detail.startswith(
        f"PIN set, but http://127.0.0.1:{port}/api/now: ")
    assert "systemctl status station-web" in down.fix
    fill_log(tmp_path / "sessions.sqlite3", 5)
    proc = start_server(path)
    try:
        up = check_coach_page(config)
    finally:
        stop(proc)
    assert up.status is Status.OK and f":{port}/ (answered in " in up.detail


def test_a_mangled_pin_file_fails_with_its_fix(tmp_path):
    config = write_config(tmp_path, free_port())
    (tmp_path / "web-pin").write_text("1234\n")
    result = check_coach_page(load_config(config))
    assert result.status is Status.FAIL and "not a PIN hash" in result.detail
