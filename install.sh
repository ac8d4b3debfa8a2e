#!/usr/bin/env bash
# Hinge Station installer.
#   ./install.sh          create .venv and install the station with its dependencies
#   ./install.sh --dev    the same, plus the test tools (pytest, ruff)
# Safe to run again: when nothing changed it changes nothing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
dev=0

usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; }

for arg in "$@"; do
    case "$arg" in
        --dev) dev=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
    esac
done

die() { echo "install.sh: $*" >&2; exit 1; }

is_raspberry_pi() {
    [ -r /proc/device-tree/model ] && grep -qi "raspberry pi" /proc/device-tree/model 2>/dev/null
}

# 1. A Python 3.11 or newer with the venv module.
python="${PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 \
    || die "python3 not found: sudo apt-get install python3 python3-venv"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "python3 >= 3.11 needed, found $("$python" -V 2>&1): sudo apt-get install python3.11 python3.11-venv"
"$python" -c 'import venv, ensurepip' 2>/dev/null \
    || die "python3's venv module is missing: sudo apt-get install python3-venv"

# 2. The virtual environment. On a Pi it sees Debian's picamera2 and lgpio.
if [ ! -x "$venv/bin/python" ]; then
    venv_args=()
    if is_raspberry_pi; then venv_args+=(--system-site-packages); fi
    echo "install.sh: creating $venv"
    "$python" -m venv "${venv_args[@]}" "$venv"
fi

# 3. The package. Skipped when pyproject.toml and the extras are unchanged since the last run.
extras=""
[ "$dev" = 1 ] && extras="[dev]"
stamp="$venv/.station-installed"
want="$(sha256sum "$here/pyproject.toml" | cut -d' ' -f1) $extras"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] || { [ "$dev" = 0 ] && [ -f "$stamp" ] \
        && [ "$(cut -d' ' -f1 "$stamp")" = "${want%% *}" ]; }; then
    echo "install.sh: up to date ($venv)"
    exit 0
fi
echo "install.sh: installing the station into $venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
# (setuptools warns on every editable install that a folder may shadow the package: noise here.)
PYTHONWARNINGS=ignore "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$here$extras"
echo "$want" > "$stamp"
echo "install.sh: done. Try: $venv/bin/station demo --headless"
