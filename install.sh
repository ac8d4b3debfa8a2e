#!/usr/bin/env bash
# Hinge Station installer.
#   ./install.sh               desktop or CI: create .venv here and install the station into it
#                              Raspberry Pi (as root): install the appliance (see docs/appliance.md)
#   ./install.sh --dev         .venv here plus the test tools (pytest, ruff; and shellcheck and
#                              systemd-analyze through apt-get when run as root)
#   ./install.sh --uninstall   remove what ./install.sh put on this machine (a Pi keeps
#                              /etc/station and /var/lib/station unless --purge is given too:
#                              that asks first, in a terminal, or takes --yes)
#   ./install.sh --dry-run     print every step it would take, change nothing
#   ./install.sh --target pi|desktop   take that path whatever this machine is (CI: --dry-run)
#   ./install.sh --print-config        print the settings file the appliance gets (alone)
#   ./install.sh --reset-config        Pi: put the edited settings aside (.bak), install defaults
#   ./install.sh --web-pin[=PIN]       Pi: set the coach page's PIN (asked when not given) and
#                                      turn the page on; without a PIN the page stays off
#   ./install.sh --web-off             Pi: turn the coach page off (the PIN is removed)
# Safe to run again: when nothing changed it changes nothing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dev=0 dry=0 uninstall=0 purge=0 yes=0 print_config=0 reset_config=0 target=""
web_pin="" web_pin_given=0 web_off=0

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }

given=()  # every option given, by name (--web-pin=1234 as --web-pin), for the refusals below
while [ $# -gt 0 ]; do
    case "$1" in
        --*) given+=("${1%%=*}") ;;
    esac
    case "$1" in
        --dev) dev=1 ;;
        --dry-run) dry=1 ;;
        --uninstall) uninstall=1 ;;
        --purge) purge=1 ;;
        --yes) yes=1 ;;
        --print-config) print_config=1 ;;
        --reset-config) reset_config=1 ;;
        --web-pin) web_pin_given=1 ;;
        --web-pin=*) web_pin_given=1; web_pin="${1#--web-pin=}" ;;
        --web-off) web_off=1 ;;
        --target)
            [ $# -ge 2 ] || { echo "install.sh: --target needs pi or desktop" >&2; exit 2; }
            target="$2"; shift ;;
        --target=*) target="${1#--target=}" ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done
case "$target" in
    ""|pi|desktop) ;;
    *) echo "install.sh: --target must be pi or desktop, not '$target'" >&2; exit 2 ;;
esac
others=()
for o in "${given[@]}"; do [ "$o" = --print-config ] || others+=("$o"); done
if [ "$print_config" = 1 ] && [ "${#others[@]}" -gt 0 ]; then
    echo "install.sh: --print-config only prints the settings file: not with ${others[*]}" >&2
    exit 2
fi
if [ "$dev" = 1 ] && [ "$target" = pi ]; then
    echo "install.sh: --dev: not with --target pi (the appliance gets no test tools; --dev" \
        "takes the desktop path)" >&2
    exit 2
fi
if [ "$purge" = 1 ] && [ "$uninstall" = 0 ]; then
    echo "install.sh: --purge goes with --uninstall (it removes the settings, the session log" \
        "and the calibration too)" >&2
    exit 2
fi
if [ "$yes" = 1 ] && [ "$purge" = 0 ]; then
    echo "install.sh: --yes only confirms --uninstall --purge" >&2
    exit 2
fi

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "install.sh: $*"; }

# A step: say what it does, then do it (or, with --dry-run, show the command instead).
step() {
    local what="$1"; shift
    if [ "$dry" = 1 ]; then
        say "would $what"
        printf '    $'; printf ' %q' "$@"; printf '\n'
    else
        say "$what"
        "$@"
    fi
}

is_raspberry_pi() {
    [ -r /proc/device-tree/model ] && grep -qi "raspberry pi" /proc/device-tree/model 2>/dev/null
}

# ---------------------------------------------------------------------------------------
# The appliance (Raspberry Pi OS): paths and packages.
opt=/opt/station
app_venv="$opt/venv"
etc=/etc/station
state=/var/lib/station
unit=/etc/systemd/system/station.service
web_unit=/etc/systemd/system/station-web.service
web_pin_file=/etc/station/web-pin
journald_dropin=/etc/systemd/journald.conf.d/station.conf
user=station
groups=(video gpio input render)
# picamera2 and lgpio come from Raspberry Pi OS (the venv sees them: --system-site-packages).
# pygame is built from source against Debian's SDL2, because the pygame wheels on PyPI ship
# an SDL2 without the KMSDRM driver that draws on the screen with no desktop running.
# Every Python package comes from requirements/pi-py3XX.txt (hash-pinned, resolved for aarch64
# by requirements/lock.sh): pip checks each download against it. The downloads and the builds
# (pygame, the station) run as the station's user; root only installs the wheels.
# libgl1 and libglib2.0-0 are what MediaPipe's OpenCV dependency loads.
pi_packages=(
    python3 python3-venv python3-dev build-essential pkg-config
    python3-picamera2 python3-libcamera python3-lgpio python3-numpy
    libsdl2-dev libsdl2-image-dev libsdl2-mixer-dev libsdl2-ttf-dev
    libfreetype-dev libportmidi-dev libjpeg-dev libgl1 libglib2.0-0
)

# The repository's settings with the files the station writes moved to /var/lib/station:
# under ProtectSystem=strict that is the only place the service may write.
appliance_config() {
    echo "# Installed by install.sh from the station's config/station.toml. The session log and"
    echo "# the calibration live in $state (the service's StateDirectory), so their paths are"
    echo "# absolute here. Edit freely: an upgrade carries your edits into its new defaults."
    sed -E "s#^(path|calibration_file) = \"([^/\"][^\"]*)\"#\\1 = \"$state/\\2\"#" \
        "$here/config/station.toml"
}

# Pose models for [pose] backend = "tasks", from MediaPipe's own storage at a fixed generation,
# each checked against the sha256 MediaPipe pins for that file (its
# third_party/external_files.bzl): name|url|sha256.
task_models=(
    "pose_landmarker.task|https://storage.googleapis.com/mediapipe-assets/pose_landmarker.task?generation=1681244249587900|fb9cc326c88fc2a4d9a6d355c28520d5deacfbaa375b56243b0141b546080596"
    "pose_landmark_lite.tflite|https://storage.googleapis.com/mediapipe-assets/pose_landmark_lite.tflite?generation=1681244252454799|1150dc68a713b80660b90ef46ce4e85c1c781bb88b6e3512cc64e6a685ba5588"
)

# Is $1 the file whose sha256 is $2?
has_sum() { [ -f "$1" ] && echo "$2  $1" | sha256sum --check --status; }

# A step whose command reads $2 on its standard input (shown as a here-string).
step_in() {
    local what="$1" input="$2"; shift 2
    if [ "$dry" = 1 ]; then
        say "would $what"
        printf '    $'; printf ' %q' "$@"; printf ' <<< %q\n' "$input"
    else
        say "$what"
        "$@" <<< "$input"
    fi
}

# Fetch $2 as the station's user (root runs no download) into a folder of its own, and install
# it as $4/$1 only when its sha256 is $3. Offline it says so and goes on: the other models do
# not need the internet.
fetch_checked() {
    local name="$1" url="$2" sum="$3" dir="$4" tmp=/tmp/station-models
    has_sum "$dir/$name" "$sum" && return 0
    if [ "$dry" = 0 ]; then tmp="$(mktemp -d)"; chown "$user" "$tmp"; fi
    if { command -v curl >/dev/null 2>&1 || [ "$dry" = 1 ]; } \
            && step "fetch $name as $user" runuser -u "$user" -- curl -fsSL --retry 2 \
                --connect-timeout 10 --max-filesize 100000000 -o "$tmp/$name" "$url" \
            && step_in "check its sha256 is $sum" "$sum  $tmp/$name" \
                sha256sum --check --status --strict; then
        step "install it as $dir/$name" install -D -m 0644 "$tmp/$name" "$dir/$name"
    else
        say "could not fetch $name, or it did not match its sha256 (offline?): skipped"
    fi
    step "remove $tmp" rm -rf "$tmp"
}

# The Tasks models into $1: Google's pose landmarker bundle, and the full and lite bundles
# station.pose.models makes from the wheel's models and the lite landmark model (it checks each
# against MediaPipe's pinned sha256). backend = "legacy" (the default) needs none of them.
install_task_models() {
    local dir="$1" entry name url sum
    for entry in "${task_models[@]}"; do
        IFS='|' read -r name url sum <<< "$entry"
        fetch_checked "$name" "$url" "$sum" "$dir"
    done
    if [ ! -f "$dir/pose_landmarker_full.task" ] || [ "$dry" = 1 ]; then
        step "build $dir/pose_landmarker_full.task from the wheel's models" \
            "$app_venv/bin/python" -m station.pose.models "$dir/pose_landmarker_full.task"
    fi
    if { [ -f "$dir/pose_landmark_lite.tflite" ] && [ ! -f "$dir/pose_landmarker_lite.task" ]; } \
            || [ "$dry" = 1 ]; then
        step "build $dir/pose_landmarker_lite.task from the lite landmark model" \
            "$app_venv/bin/python" -m station.pose.models --landmarks \
            "$dir/pose_landmark_lite.tflite" "$dir/pose_landmarker_lite.task"
    fi
}

# The hash-pinned requirements for the Python at $1 (requirements/lock.sh makes them).
lock_for() {
    local version
    version="$("$1" -c 'import sys; print("%d%d" % sys.version_info[:2])' 2>/dev/null || echo 311)"
    echo "$here/requirements/pi-py$version.txt"
}

# A digest of what gets installed: a changed checkout means pip installs again.
source_digest() {
    (cd "$here" && find pyproject.toml requirements station -type f \
        \( -name '*.py' -o -name '*.toml' -o -name '*.txt' \) \
        -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

missing_packages() {
    local p
    for p in "${pi_packages[@]}"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" \
            || echo "$p"
    done
}

# Copy $1 to $2 when they differ; say whether it changed (exit 0) or not (exit 1).
install_file() {
    if [ -f "$2" ] && cmp -s "$1" "$2"; then return 1; fi
    step "install $2" install -D -m 0644 "$1" "$2"
}

require_root() {
    [ "$dry" = 1 ] || [ "$(id -u)" = 0 ] \
        || die "the appliance install changes the system: run it as root (sudo $0)"
}

install_appliance() {
    require_root
    local changed=0 missing tmp
    command -v apt-get >/dev/null 2>&1 || [ "$dry" = 1 ] \
        || die "apt-get not found: the appliance needs Raspberry Pi OS (Bookworm)"

    # 1. Debian packages.
    mapfile -t missing < <(missing_packages)
    if [ "${#missing[@]}" -gt 0 ]; then
        step "refresh the package lists" apt-get update
        step "install ${#missing[@]} Debian packages" \
            env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            "${missing[@]}"
    else
        say "Debian packages: all present"
    fi

    if [ "$dry" = 0 ]; then
        /usr/bin/python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
            || die "python3 >= 3.11 needed, found $(/usr/bin/python3 -V 2>&1): use Raspberry Pi OS Bookworm or later"
    fi

    # 2. The station user: a system account, no login, in the device groups.
    if ! id -u "$user" >/dev/null 2>&1; then
        step "create the system user $user" useradd --system --user-group \
            --home-dir "$state" --no-create-home --shell /usr/sbin/nologin "$user"
    fi
    local g want=()
    for g in "${groups[@]}"; do
        if ! getent group "$g" >/dev/null; then
            step "create the group $g (Raspberry Pi OS has it; this system does not)" \
                groupadd --system "$g"
        fi
        id -nG "$user" 2>/dev/null | tr ' ' '\n' | grep -qx "$g" || want+=("$g")
    done
    if [ "${#want[@]}" -gt 0 ]; then
        step "add $user to the groups ${want[*]}" \
            usermod --append --groups "$(IFS=,; echo "${want[*]}")" "$user"
    fi

    # 3. Folders: the program, the settings, the session log and calibration.
    [ -d "$opt" ] || step "create $opt" install -d -m 0755 "$opt"
    [ -d "$etc" ] || step "create $etc" install -d -m 0755 "$etc"
    [ -d "$state" ] || step "create $state" install -d -o "$user" -g "$user" -m 0750 "$state"

    # 4. The venv (seeing Debian's picamera2, libcamera, lgpio and numpy) and the station,
    #    every package checked against the hash-pinned requirements for this Python.
    if [ ! -x "$app_venv/bin/python" ]; then
        step "create the venv $app_venv" /usr/bin/python3 -m venv --system-site-packages \
            "$app_venv"
    fi
    local digest stamp="$app_venv/.station-installed" lock
    lock="$(lock_for /usr/bin/python3)"
    [ -f "$lock" ] || die "no pinned requirements for this Python ($lock): requirements/lock.sh"
    digest="$(source_digest)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
        say "the station in $app_venv is up to date"
    else
        local pip=(env PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_CONFIG_FILE=/dev/null
                   "$app_venv/bin/python" -m pip)
        # Every download and build runs as $user, in a folder it owns: the checkout may be in
        # a home only its owner can read (Bookworm makes homes 0700), so the requirements and
        # the source are copied there first. Root installs only the wheels, with no index.
        local work=/tmp/station-build as_user
        if [ "$dry" = 0 ]; then work="$(mktemp -d)"; fi
        as_user=(runuser -u "$user" -- env --chdir="$work" HOME="$work")
        step "copy the pinned requirements and the station's source into $work" \
            cp -R "$here/pyproject.toml" "$here/README.md" "$here/requirements" "$here/station" \
            "$work/"
        step "give $work to $user" chown -R "$user:$user" "$work"
        step "fetch the build tools in pi-build.txt (hash-checked), as $user" \
            "${as_user[@]}" "${pip[@]}" wheel --quiet --require-hashes --no-deps \
            -r "$work/requirements/pi-build.txt" -w "$work/build-tools"
        step "install them into $app_venv (their hashes checked again)" "${pip[@]}" install \
            --quiet --no-index --find-links "$work/build-tools" --require-hashes --no-deps \
            -r "$here/requirements/pi-build.txt"
        step "fetch the dependencies in ${lock##*/} (hash-checked), build pygame, as $user" \
            "${as_user[@]}" "${pip[@]}" wheel --quiet --require-hashes --no-deps \
            --no-build-isolation --no-binary pygame -r "$work/requirements/${lock##*/}" \
            -w "$work/wheels"
        step "install them into $app_venv" "${pip[@]}" install --quiet --no-index --no-deps \
            "$work/wheels"/*.whl
        step "build the station's wheel, as $user" "${as_user[@]}" "${pip[@]}" wheel --quiet \
            --no-index --no-deps --no-build-isolation "$work" -w "$work/station-wheel"
        step "install it into $app_venv" "${pip[@]}" install --quiet --no-index --no-deps \
            --force-reinstall "$work/station-wheel"/*.whl
        if [ "$dry" = 0 ]; then rm -rf "$work"; echo "$digest" > "$stamp"; fi
        changed=1
    fi
    if [ -f "$here/README.md" ]; then install_file "$here/README.md" "$opt/README.md" || true; fi
    local doc
    for doc in "$here"/docs/*.md; do
        [ -f "$doc" ] && { install_file "$doc" "$opt/docs/${doc##*/}" || true; }
    done

    # 5. The settings. Nobody edited them: they follow the version. Edited: the edits are
    #    carried into the new defaults (install.sh keeps a copy of what it wrote, to tell).
    if [ "$reset_config" = 1 ] && [ -f "$etc/station.toml" ]; then
        step "put the settings aside as $etc/station.toml.bak" \
            mv -f "$etc/station.toml" "$etc/station.toml.bak"
        changed=1
    fi
    tmp="$(mktemp)"
    # shellcheck disable=SC2064  # expand $tmp now: it is local to this function
    trap "rm -f '$tmp'" EXIT
    appliance_config > "$tmp"
    chmod 0644 "$tmp"
    local before
    before="$(sha256sum "$etc/station.toml" 2>/dev/null || true)"
    step "put the settings in place (edits carried over)" "$app_venv/bin/python" -m \
        station.appliance.settings_install "$tmp" "$etc/station.toml" "$opt/station.toml.installed"
    if [ "$before" != "$(sha256sum "$etc/station.toml" 2>/dev/null || true)" ]; then changed=1; fi

    # 5b. The Tasks pose models beside the settings ([pose] task_model is relative to them).
    install_task_models "$etc/models"

    # 6. systemd: the service, and the journal kept in RAM (an SD card wears out).
    install_file "$here/systemd/station.service" "$unit" && changed=1
    if install_file "$here/systemd/journald-station.conf" "$journald_dropin"; then
        step "restart the journal with its new settings" systemctl restart systemd-journald
    fi
    local web_changed=0
    install_file "$here/systemd/station-web.service" "$web_unit" && web_changed=1
    if [ "$changed" = 1 ] || [ "$web_changed" = 1 ]; then
        step "reload systemd" systemctl daemon-reload
    fi
    if ! systemctl is-enabled --quiet station.service 2>/dev/null; then
        step "enable the station at boot" systemctl enable station.service
    fi
    if [ "$changed" = 1 ] || ! systemctl is-active --quiet station.service 2>/dev/null; then
        step "(re)start the station" systemctl restart station.service
    fi
    coach_page "$changed$web_changed"
    say "done. The station runs as a service: systemctl status station; journalctl -u station"
    say "self-test: sudo -u $user $app_venv/bin/station check --config $etc/station.toml"
}

# --purge deletes what nobody can make again: say what, and go on only when a person in a
# terminal types "purge" (or --yes says so for a script).
confirm_purge() {
    [ "$dry" = 1 ] || [ "$yes" = 1 ] && return 0
    local sets="" answer
    if [ -f "$state/sessions.sqlite3" ] && command -v sqlite3 >/dev/null 2>&1; then
        sets="$(sqlite3 -readonly "$state/sessions.sqlite3" 'SELECT COUNT(*) FROM sets' \
            2>/dev/null || true)"
    fi
    if [ ! -t 0 ]; then
        echo "install.sh: --purge deletes $state (the session log${sets:+, $sets sets}, the" \
            "calibration) and $etc (the settings): run it in a terminal to confirm, or add" \
            "--yes" >&2
        exit 2
    fi
    echo "install.sh: --purge deletes for good:"
    echo "    $state: the session log${sets:+ ($sets sets)}, the calibration and their backups"
    echo "    $etc: the settings and the pose models"
    echo "  to keep a copy first: sudo cp -a $state $etc ~/"
    read -r -p "Type purge to delete them: " answer || answer=""
    [ "$answer" = purge ] || { say "nothing deleted"; exit 1; }
}

# The coach page: its PIN (asked, given, or kept), then its service on with a PIN, off without.
coach_page() {
    local changed="$1"
    if [ "$web_off" = 1 ]; then
        if [ -f "$web_pin_file" ] || [ "$dry" = 1 ]; then
            step "remove the coach page's PIN" rm -f "$web_pin_file"
        fi
    elif [ "$web_pin_given" = 0 ] && [ ! -f "$web_pin_file" ] && [ "$dry" = 0 ] && [ -t 0 ]; then
        read -r -s -p "install.sh: a PIN for the coach page (empty: leave the page off): " \
            web_pin || true
        echo
        [ -n "$web_pin" ] && web_pin_given=1
    fi
    if [ "$web_pin_given" = 1 ]; then
        if [ "$dry" = 1 ]; then
            step "store the coach page's PIN, hashed" "$app_venv/bin/python" -m station.web.pin \
                "$web_pin_file"
        else
            say "store the coach page's PIN, hashed, in $web_pin_file"
            if [ -n "$web_pin" ]; then
                printf '%s\n' "$web_pin" | "$app_venv/bin/python" -m station.web.pin \
                    "$web_pin_file" || die "the PIN was not set"
            else
                "$app_venv/bin/python" -m station.web.pin "$web_pin_file" \
                    || die "the PIN was not set"
            fi
            chown "root:$user" "$web_pin_file"
            chmod 0640 "$web_pin_file"
        fi
        changed=1
    fi
    if [ -f "$web_pin_file" ] || { [ "$dry" = 1 ] && [ "$web_pin_given" = 1 ]; }; then
        if ! systemctl is-enabled --quiet station-web.service 2>/dev/null; then
            step "enable the coach page at boot" systemctl enable station-web.service
        fi
        if [ "$changed" != 00 ] || ! systemctl is-active --quiet station-web.service 2>/dev/null
        then
            step "(re)start the coach page" systemctl restart station-web.service
        fi
        say "the coach page: http://$(hostname).local:8080/ (or the [web] port in $etc/station.toml)"
    else
        if systemctl is-enabled --quiet station-web.service 2>/dev/null || [ "$dry" = 1 ]; then
            step "turn the coach page off (no PIN)" systemctl disable --now station-web.service
        fi
        say "the coach page is off: no PIN set (install.sh --web-pin turns it on)"
    fi
}

uninstall_appliance() {
    require_root
    if [ "$purge" = 1 ]; then confirm_purge; fi  # before anything is removed
    if [ -f "$web_unit" ] || [ "$dry" = 1 ]; then
        step "stop and disable the coach page" systemctl disable --now station-web.service
        step "remove $web_unit" rm -f "$web_unit"
    fi
    if [ -f "$unit" ] || [ "$dry" = 1 ]; then
        step "stop and disable the station" systemctl disable --now station.service
        step "remove $unit" rm -f "$unit"
        step "reload systemd" systemctl daemon-reload
    fi
    if [ -f "$journald_dropin" ] || [ "$dry" = 1 ]; then
        step "remove $journald_dropin" rm -f "$journald_dropin"
        step "restart the journal" systemctl restart systemd-journald
    fi
    if [ -d "$opt" ] || [ "$dry" = 1 ]; then step "remove $opt" rm -rf "$opt"; fi
    if [ "$purge" = 1 ]; then
        step "remove the settings $etc" rm -rf "$etc"
        step "remove the session log and calibration $state" rm -rf "$state"
        if id -u "$user" >/dev/null 2>&1 || [ "$dry" = 1 ]; then
            step "remove the user $user" userdel "$user"
        fi
    else
        say "kept $etc (settings) and $state (session log, calibration): --purge removes them"
    fi
    say "uninstalled. Debian packages stay (other programs may use them)."
}

# ---------------------------------------------------------------------------------------
# Desktop / CI / a developer's checkout: .venv here, nothing outside it.
venv="$here/.venv"

dev_tools() {
    # The appliance checks (tests/appliance/) need shellcheck and systemd-analyze; the MQTT
    # tests start their own Mosquitto on a loopback port; the coach page's browser tests drive
    # Debian's Chromium through its chromedriver. CI runs as root.
    local need=()
    command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
    # systemd-analyze ships only in the systemd package itself on Debian 12 (apt-cache: no
    # smaller package provides it); --no-install-recommends keeps it to its dependencies.
    command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
    [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
    [ "${#need[@]}" -gt 0 ] || return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        step "refresh the package lists" apt-get update -qq
        step "install ${need[*]} (the appliance, MQTT and browser tests use them)" \
            env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${need[@]}"
        case " ${need[*]} " in *" mosquitto "*) quiet_system_broker ;; esac
    else
        say "the tests that need ${need[*]} skip without: sudo apt-get install ${need[*]}"
    fi
}

# Debian's mosquitto package enables and starts a broker for the whole machine on port 1883.
# The tests start their own; the one the package just started is stopped and kept from
# starting at boot (a broker the machine had before install.sh is left alone).
quiet_system_broker() {
    if [ -d /run/systemd/system ]; then
        step "stop the system-wide broker the package started (the tests run their own)" \
            systemctl disable --now mosquitto.service
    else
        if [ -x /etc/init.d/mosquitto ]; then
            step "stop the system-wide broker the package may have started" \
                /etc/init.d/mosquitto stop
        fi
        step "keep the system-wide broker from starting at boot" \
            systemctl disable mosquitto.service
    fi
    step "mask it, so nothing starts it on port 1883 (systemctl unmask mosquitto undoes)" \
        systemctl mask mosquitto.service
}

install_desktop() {
    # 1. A Python 3.11 or newer with the venv module.
    local python="${PYTHON:-python3}"
    command -v "$python" >/dev/null 2>&1 \
        || die "python3 not found: sudo apt-get install python3 python3-venv"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "python3 >= 3.11 needed, found $("$python" -V 2>&1): sudo apt-get install python3.11 python3.11-venv"
    "$python" -c 'import venv, ensurepip' 2>/dev/null \
        || die "python3's venv module is missing: sudo apt-get install python3-venv"

    if [ "$dev" = 1 ]; then dev_tools; fi

    # 2. The virtual environment. On a Pi it sees Debian's picamera2 and lgpio.
    if [ ! -x "$venv/bin/python" ]; then
        local venv_args=()
        if is_raspberry_pi; then venv_args+=(--system-site-packages); fi
        step "create $venv" "$python" -m venv "${venv_args[@]}" "$venv"
    fi

    # 3. The package. Skipped when pyproject.toml and the extras are unchanged since the last run.
    local extras="" stamp="$venv/.station-installed" want
    [ "$dev" = 1 ] && extras="[dev]"
    want="$(sha256sum "$here/pyproject.toml" | cut -d' ' -f1) $extras"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] || { [ "$dev" = 0 ] && [ -f "$stamp" ] \
            && [ "$(cut -d' ' -f1 "$stamp")" = "${want%% *}" ]; }; then
        say "up to date ($venv)"
        return 0
    fi
    step "upgrade pip in $venv" "$venv/bin/python" -m pip install --quiet \
        --disable-pip-version-check --upgrade pip
    # (setuptools warns on every editable install that a folder may shadow the package: noise.)
    step "install the station into $venv" env PYTHONWARNINGS=ignore "$venv/bin/python" -m pip \
        install --quiet --disable-pip-version-check -e "$here$extras"
    if [ "$dry" = 0 ]; then echo "$want" > "$stamp"; fi
    say "done. Try: $venv/bin/station demo --headless"
}

uninstall_desktop() {
    if [ -d "$venv" ]; then step "remove $venv" rm -rf "$venv"; else say "nothing to remove"; fi
}

# ---------------------------------------------------------------------------------------
if [ "$print_config" = 1 ]; then appliance_config; exit 0; fi

if [ -z "$target" ]; then
    if is_raspberry_pi && [ "$dev" = 0 ]; then target=pi; else target=desktop; fi
fi
# An option the chosen path would ignore is refused, as --yes without --purge is.
appliance_only=()
[ "$reset_config" = 1 ] && appliance_only+=(--reset-config)
[ "$web_pin_given" = 1 ] && appliance_only+=(--web-pin)
[ "$web_off" = 1 ] && appliance_only+=(--web-off)
if [ "${#appliance_only[@]}" -gt 0 ] && [ "$target" = desktop ]; then
    echo "install.sh: ${appliance_only[*]}: for the appliance only (a Raspberry Pi, or" \
        "--target pi); this run takes the desktop path (.venv here)" >&2
    exit 2
fi
if [ "${#appliance_only[@]}" -gt 0 ] && [ "$uninstall" = 1 ]; then
    echo "install.sh: ${appliance_only[*]}: not with --uninstall (it removes the service" \
        "and the coach page)" >&2
    exit 2
fi
if [ "$web_pin_given" = 1 ] && [ "$web_off" = 1 ]; then
    echo "install.sh: --web-pin turns the coach page on and --web-off turns it off: give one" >&2
    exit 2
fi
if [ "$dry" = 1 ]; then say "dry run for a $target: nothing will be changed"; fi

case "$target/$uninstall" in
    pi/0) install_appliance ;;
    pi/1) uninstall_appliance ;;
    desktop/0) install_desktop ;;
    desktop/1) uninstall_desktop ;;
esac
