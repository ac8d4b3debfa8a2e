"""Serving the coach page with waitress, in its own process (`station web`).

Nothing here touches the kiosk: the page reads the session log the kiosk writes (WAL lets
readers in while it writes) and the kiosk takes the page's requests from it. A port that
is taken, an unreadable log or no PIN is one clear line and exit status 2.
"""

from __future__ import annotations

import errno
import faulthandler
import signal
import sys
from pathlib import Path

import waitress

from station.config import Config
from station.errors import InputError
from station.logbook.read import open_log
from station.store import SessionLog
from station.web.app import Site, make_app
from station.web.gym import Gym
from station.web.pin import read_pin_hash

THREADS = 4  # a few phones polling once a second; each answer is a few milliseconds


def site_for(config: Config) -> Site:
    """What `station web` serves under this config; no PIN set is an InputError."""
    pin_path = config.resolve(config.web.pin_file)
    pin_hash = read_pin_hash(pin_path)
    if pin_hash is None:
        raise InputError(f"{pin_path}: no PIN set, so the coach page is off (set one: "
                         "station web --set-pin, or install.sh --web-pin)")
    log_path = config.resolve(config.store.path)
    if not log_path.exists():  # a new station: make the empty log the kiosk will fill
        try:
            SessionLog(log_path, config.store.max_sets).close()
        except Exception as exc:  # sqlite3.Error, OSError
            raise InputError(f"{log_path}: cannot create the session log ({exc})") from None
    open_log(log_path).close()  # unreadable, not a database, locked: the one line now
    return Site(log_path=log_path, pin_hash=pin_hash,
                session_minutes=config.web.session_minutes,
                names_need_pin=config.web.names_need_pin, poll_s=config.web.poll_s)


def serve(site: Site, host: str, port: int, ready=None, gym: Gym | None = None) -> None:
    """Serve until killed. `ready(url)` is called once the port is bound; `gym` (its
    broker subscription started here) is the Gym page's."""
    app = make_app(site, gym=gym)
    try:
        server = waitress.create_server(app, host=host, port=port, threads=THREADS,
                                        ident="station", clear_untrusted_proxy_headers=True)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise InputError(f"port {port} on {host} is taken (another `station web`?): "
                             "choose another with --port or [web] port") from None
        raise InputError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    url = f"http://{host}:{port}/"
    print(f"station web: serving {site.log_path} on {url}", file=sys.stderr, flush=True)
    if ready is not None:
        ready(url)
    if gym is not None:
        gym.start()
    # `systemctl kill -s USR1 station-web` writes every thread's stack to the journal: what
    # a page that hangs or a process that takes a whole core is doing (docs/appliance.md).
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        server.run()
    finally:
        server.close()
        if gym is not None:
            gym.stop()


def log_path_of(config: Config) -> Path:
    return config.resolve(config.store.path)
