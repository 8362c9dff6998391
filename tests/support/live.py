"""Real processes for the reliability tests: gunicorn on the test database,
`flask scheduler`, and a small cookie-keeping HTTP browser (stdlib only).

Ports come from 5200-5299 (this area's range); every wait is a poll with a
deadline, never a sleep that guesses a duration.
"""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from incubator import PROJECT_ROOT

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PORTS = range(5200, 5300)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 5200-5299")


def wait_until(condition, timeout: float, what: str, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(every)


def server_env(database_url: str, **extra) -> dict:
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="test-secret", INCUBATOR_ENV="test",
               SMTP_HOST="", RATELIMIT_ENABLED="0", PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


def children_of(pid: int) -> list[int]:
    """The running processes whose parent is `pid`."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended while we looked
        if int(fields[1]) == pid and fields[0] != "Z":  # fields: state, ppid, ...
            pids.append(int(stat.parent.name))
    return pids


def is_running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


class Server:
    """gunicorn serving wsgi:app; `base` is its address."""

    def __init__(self, database_url: str, log: Path, workers: int = 2, threads: int = 4, **env):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [str(Path(sys.executable).with_name("gunicorn")), "--no-control-socket",
                   "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{self.port}",
                   "--timeout", "30", "--graceful-timeout", "5", "wsgi:app"]
        self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=server_env(database_url, **env),
                                        stdout=subprocess.DEVNULL, stderr=log.open("w"))
        wait_until(self._answers, 30, f"gunicorn on {self.base}")
        wait_until(lambda: len(self.worker_pids()) == workers, 30, "every worker to start")

    def _answers(self) -> bool:
        assert self.process.poll() is None, f"gunicorn exited:\n{self.log.read_text()}"
        return answers(self.base)

    def worker_pids(self) -> list[int]:
        """The workers' process ids (children of the gunicorn master)."""
        return children_of(self.process.pid)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@contextmanager
def running(database_url: str, log: Path, **kwargs):
    server = Server(database_url, log, **kwargs)
    try:
        yield server
    finally:
        server.stop()


class Browser:
    """One person's browser: keeps cookies, reads CSRF tokens from forms,
    never follows redirects (the tests look at the 303s)."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str, language: str = "en"):
        self.base = base
        self.language = language
        self.last_location = None  # where the last redirect pointed
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect)

    def request(self, method: str, path: str, data: dict | None = None, timeout: float = 20):
        """(status, body) of the answer; status 0 when no HTTP answer came."""
        body = urllib.parse.urlencode(data or {}, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method=method,
                                         headers={"Accept-Language": self.language})
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:  # also every redirect, which is not followed
            self.last_location = error.headers.get("Location")
            return error.code, error.read().decode("utf-8", "replace")
        except (OSError, urllib.error.URLError) as error:
            return 0, repr(error)

    def get(self, path: str):
        return self.request("GET", path)

    def token(self, path: str = "/login") -> str:
        status, html = self.get(path)
        match = CSRF_INPUT.search(html)
        assert match, f"no CSRF token on {path} ({status})"
        return match.group(1)

    def post(self, path: str, data: dict, token_from: str | None = None):
        data = dict(data)
        data.setdefault("csrf_token", self.token(token_from or path))
        return self.request("POST", path, data)

    def login(self, login_name: str, password: str):
        status, body = self.post("/login", {"login_name": login_name, "password": password})
        assert status in (302, 303), f"login failed for {login_name}: {status} {body[:300]}"
