"""`make run`: the web server on http://127.0.0.1:5000 and, beside it, the
scheduler as its own process (web processes never run scheduled jobs)."""

import subprocess
import sys

from incubator import create_app


def main() -> None:
    app = create_app()
    helpers = []
    if "scheduler" in app.cli.commands:
        helpers.append(subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"]))
    try:
        app.run(host="127.0.0.1", port=5000, debug=False, use_reloader=False, threaded=True)
    finally:
        for process in helpers:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
