#!/usr/bin/env bash
# Regenerate the appliance's hash-pinned requirements (install.sh installs from them on a Pi):
#   pi-py311.txt   the station's dependencies for Raspberry Pi OS Bookworm (Python 3.11, aarch64)
#   pi-py313.txt   the same for Trixie (Python 3.13, aarch64)
#   pi-build.txt   what building the station and pygame needs (setuptools, wheel)
# Every package is a wheel but pygame, which the Pi builds from its sdist against Debian's SDL2
# (PyPI's pygame wheels bring an SDL2 without the KMSDRM driver). Needs uv (pip install uv) and
# PyPI; run it after changing the dependencies in pyproject.toml, and commit what it writes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
uv="${UV:-uv}"
for py in 3.11 3.13; do
    "$uv" pip compile pyproject.toml --quiet --python-version "$py" \
        --python-platform aarch64-unknown-linux-gnu --generate-hashes \
        --only-binary :all: --no-binary pygame --no-header --no-annotate \
        -o "requirements/pi-py${py/./}.txt"
done
"$uv" pip compile requirements/build.in --quiet --python-version 3.11 --universal \
    --generate-hashes --only-binary :all: --no-header --no-annotate -o requirements/pi-build.txt
