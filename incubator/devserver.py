"""`make run`: the web server on http://127.0.0.1:5000 and, beside it, the
scheduler as its own process (web processes never run scheduled jobs)."""

import ctypes
import os
import signal
import subprocess
import sys

from incubator import create_app

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _stop(signum, frame):
    # SIGTERM (kill, pkill, a service manager) would end this process without
    # its finally block and leave the scheduler running on its own: every
    # later `make run` added one more, all sending the same reminders' slots.
    raise SystemExit(0)


def _die_with_parent() -> None:
    """In the scheduler's process, before it starts: Linux ends it when the
    server's process ends, even by SIGKILL, which no handler sees."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: SIGTERM and Ctrl-C still stop it
        pass


def main() -> None:
    signal.signal(signal.SIGTERM, _stop)
    # Started before the app is built, while this process has a single
    # thread: a preexec_fn must not run while another thread may hold a lock.
    scheduler = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"],
                                 preexec_fn=_die_with_parent)
    try:
        app = create_app()
        app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")), debug=False, use_reloader=False,
                threaded=True)
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=10)


if __name__ == "__main__":
    main()
