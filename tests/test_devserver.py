"""`make run` (incubator/devserver.py) serves the app with the scheduler
beside it as a child process; stopping the server must stop the scheduler
too, or each later `make run` adds one more running the same jobs: with a
SIGTERM (kill, pkill) through the server's own shutdown, with a SIGKILL
(which no handler sees) through Linux's parent-death signal."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from incubator import PROJECT_ROOT
from tests.support.live import answers, children_of, free_port, is_running, server_env, wait_until


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_stopping_the_dev_server_stops_its_scheduler(tmp_path, stop):
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
        server.send_signal(stop)
        code = server.wait(timeout=20)
        if stop == signal.SIGTERM:
            assert code == 0, "SIGTERM should end the server through its own shutdown"
        wait_until(lambda: not is_running(scheduler), 20, "the scheduler to stop with the server")
    finally:
        if server.poll() is None:
            server.kill()
        for pid in started:  # an orphan left by a failure here must not run on
            if is_running(pid):
                os.kill(pid, signal.SIGKILL)
