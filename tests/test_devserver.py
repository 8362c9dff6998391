"""`make run` (incubator/devserver.py) serves the app with the scheduler
beside it as a child process; stopping the server must stop the scheduler
too, or each later `make run` adds one more running the same jobs."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from incubator import PROJECT_ROOT
from tests.support.live import answers, children_of, free_port, is_running, server_env, wait_until


def test_stopping_the_dev_server_with_sigterm_stops_its_scheduler(tmp_path):
    port = free_port()
    env = server_env(f"sqlite:///{tmp_path / 'run.sqlite'}", PORT=str(port), HOME=str(tmp_path))
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=PROJECT_ROOT, env=env,
                   check=True, capture_output=True)
    server = subprocess.Popen([sys.executable, "-m", "incubator.devserver"], cwd=PROJECT_ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = []
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{port}"), 60, "the dev server to answer")
        started = wait_until(lambda: children_of(server.pid), 30, "the scheduler to start")
        [scheduler] = started
        assert "scheduler" in Path(f"/proc/{scheduler}/cmdline").read_bytes().decode()
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0
        assert not is_running(scheduler), "the scheduler outlived the server it was started by"
    finally:
        if server.poll() is None:
            server.kill()
        for pid in started:  # an orphan left by a failure here must not run on
            if is_running(pid):
                os.kill(pid, signal.SIGKILL)
