"""`make run`: the web server on http://127.0.0.1:5000 and, beside it, the
scheduler as its own process (web processes never run scheduled jobs)."""

import os
import signal
import subprocess
import sys

from incubator import create_app


def _stop(signum, frame):
    # SIGTERM (kill, pkill, a service manager) would end this process without
    # its finally block and leave the scheduler running on its own: every
    # later `make run` added one more, all sending the same reminders' slots.
    raise SystemExit(0)


def main() -> None:
    app = create_app()
    port = int(os.environ.get("PORT", "5000"))
    helpers = []
    signal.signal(signal.SIGTERM, _stop)
    if "scheduler" in app.cli.commands:
        helpers.append(subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"]))
    try:
        app.run(host="127.0.0.1", port=port, debug=False, use_reloader=False, threaded=True)
    finally:
        for process in helpers:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
