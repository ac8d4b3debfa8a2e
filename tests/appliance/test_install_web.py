"""install.sh and the coach page: its unit installed, on with a PIN (stored hashed), off
without one, removed on uninstall."""

from __future__ import annotations

from tests.appliance.test_install import run_install


def commands(out: str) -> str:
    return "\n".join(line.strip()[2:] for line in out.splitlines() if line.startswith("    $ "))


def test_without_a_pin_the_page_stays_off() -> None:
    result = run_install("--dry-run", "--target", "pi")
    assert result.returncode == 0, result.stderr
    joined = commands(result.stdout)
    assert "/etc/systemd/system/station-web.service" in joined
    assert "systemctl disable --now station-web.service" in joined
    assert "systemctl enable station-web.service" not in joined
    assert "the coach page is off: no PIN set" in result.stdout


def test_a_pin_given_turns_the_page_on_and_is_never_printed() -> None:
    result = run_install("--dry-run", "--target", "pi", "--web-pin=80417")
    assert result.returncode == 0, result.stderr
    joined = commands(result.stdout)
    assert "-m station.web.pin /etc/station/web-pin" in joined
    assert "systemctl enable station-web.service" in joined
    assert "systemctl restart station-web.service" in joined
    assert "80417" not in result.stdout + result.stderr


def test_web_off_and_uninstall_remove_it() -> None:
    off = run_install("--dry-run", "--target", "pi", "--web-off")
    assert "rm -f /etc/station/web-pin" in commands(off.stdout)
    gone = run_install("--dry-run", "--target", "pi", "--uninstall")
    joined = commands(gone.stdout)
    assert "systemctl disable --now station-web.service" in joined
    assert "rm -f /etc/systemd/system/station-web.service" in joined
