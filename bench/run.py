"""The load benchmark: `make bench` (see README, "Performance").

Starts the app under gunicorn (4 workers) on the chosen database, logs in the
people each page needs, drives every page of bench/pages.py with wrk and
prints p50/p95/p99 latency, throughput and errors per page, each page's
throughput as a ratio to a bare Flask endpoint measured in the same run, and
the targets as PASS or FAIL. Results are also written to bench/results/.
"""

import argparse
import gzip
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
VENV_BIN = ROOT / ".venv" / "bin"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(database_url: str) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-secret", "INCUBATOR_ENV": "bench",
            "LOGIN_RATE_LIMIT": "100000 per minute", "RATELIMIT_ENABLED": "0"}


def flask(database_url: str, *args: str) -> None:
    subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=app_env(database_url), check=True)


def start_gunicorn(database_url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    # Sync workers, as README "Running on PostgreSQL and behind gunicorn" says:
    # the pages are CPU-bound, and threads sharing one interpreter lock made
    # p95 worse (booking POST at district 509 ms sync, 787 ms with 4 threads).
    # --threads N tries gthread.
    worker = ["-k", "gthread", "--threads", str(threads)] if threads > 1 else ["-k", "sync"]
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-w", str(workers), *worker, "--no-control-socket",
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=app_env(database_url))
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("gunicorn did not start")


class Session:
    """A logged-in browser, enough to get a session cookie and a CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = ""

    def get(self, path: str) -> str:
        html = self.opener.open(self.base + path).read().decode()
        match = CSRF.search(html)
        if match:
            self.csrf = match.group(1)
        return html

    def visit(self, path: str) -> "Session":
        self.get(path)
        return self

    def login(self, login_name: str, password: str) -> "Session":
        self.get("/login")
        data = urllib.parse.urlencode({"login_name": login_name, "password": password, "csrf_token": self.csrf})
        self.opener.open(self.base + "/login", data.encode()).read()
        self.get("/home")
        return self

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def run_wrk(url: str, duration: int, connections: int, cookie: str = "", method: str = "GET",
            body: str | None = None, csrf: str = "", bodies: list[str] | None = None,
            headers: list[str] | None = None, timeout: int = 2) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", f"--timeout={timeout}s", "--latency", "-s",
               str(ROOT / "bench" / "report.lua")]
    extra = list(headers or [])
    extra += [f"Cookie: {cookie}"] if cookie else []
    extra += [f"X-CSRFToken: {csrf}"] if csrf and method != "GET" else []
    extra += ["Content-Type: application/x-www-form-urlencoded"] if body or bodies else []
    for header in extra:
        command += ["-H", header]
    bodies_file = ""
    if bodies:
        bodies_file = str(RESULTS / "bodies.txt")
        Path(bodies_file).write_text("\n".join(bodies) + "\n")
    env = {**os.environ, "BENCH_METHOD": method, "BENCH_BODY": body or "", "BENCH_BODIES": bodies_file}
    output = subprocess.run(command + [url], capture_output=True, text=True, env=env, check=True).stdout
    summary = json.loads(output.strip().splitlines()[-1])
    summary["rps"] = summary["requests"] / (summary["duration_us"] / 1e6)
    return summary


STATIC_REF = re.compile(r'(?:src|href)="(/static/[^"]+)"')


def first_load(base: str, spec: dict) -> tuple[float, float]:
    """KB of a first visit to a GET page: its HTML with the CSS and JS it
    links, as this server sends them to a browser that accepts gzip (static
    files come gzipped, the HTML as it is), and with the HTML gzipped too (what
    a compressing web server in front would send)."""
    if spec.get("method", "GET") != "GET":
        return 0.0, 0.0
    headers = {"Cookie": spec.get("cookie", ""), "Accept-Encoding": "gzip"}
    if spec.get("htmx"):
        headers["HX-Request"] = "true"

    def fetch(path: str) -> tuple[int, bytes]:
        """Bytes on the wire, and the content."""
        with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=60) as answer:
            body = answer.read()
            gzipped = answer.headers.get("Content-Encoding") == "gzip"
        return len(body), gzip.decompress(body) if gzipped else body

    html_sent, html = fetch(spec["path"])
    statics = [fetch(path)[0] for path in sorted(set(STATIC_REF.findall(html.decode("utf-8", "replace"))))]
    return (html_sent + sum(statics)) / 1024, (len(gzip.compress(html)) + sum(statics)) / 1024


def worker_peaks(server: subprocess.Popen) -> dict[int, int]:
    """Peak resident memory (VmHWM, KB) of each gunicorn worker."""
    peaks = {}
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    for pid in children.read_text().split() if children.exists() else []:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks[int(pid)] = int(line.split()[1])
        except OSError:
            continue
    return peaks


def download_probe(base: str, spec: dict, duration: int, connections: int, server: subprocess.Popen) -> dict:
    """A streamed export, as people meet it: how long until the download
    starts (the first bytes of the file), how long it takes whole, how fast
    the rows come, and whether the workers' memory stays flat while
    `connections` people download at once for `duration` seconds."""
    import http.client
    import threading

    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    first_bytes, wholes, lines, errors = [], [], [], []
    before = worker_peaks(server)
    deadline = time.time() + duration

    def one_person():
        while time.time() < deadline:
            started = time.perf_counter()
            connection = http.client.HTTPConnection(host, int(port), timeout=60)
            try:
                connection.request("GET", spec["path"], headers={"Cookie": spec.get("cookie", "")})
                answer = connection.getresponse()
                first = answer.read(1)
                first_bytes.append((time.perf_counter() - started) * 1000)
                count = first.count(b"\n")
                while chunk := answer.read(65536):
                    count += chunk.count(b"\n")
                wholes.append((time.perf_counter() - started) * 1000)
                lines.append(count)
                if answer.status >= 500:
                    errors.append(answer.status)
            except OSError as error:
                errors.append(str(error))
            finally:
                connection.close()

    people = [threading.Thread(target=one_person) for _ in range(connections)]
    for person in people:
        person.start()
    for person in people:
        person.join()
    after = worker_peaks(server)
    growth = max((after[pid] - before.get(pid, after[pid]) for pid in after), default=0)

    def p(values, q):
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    seconds = sum(wholes) / 1000
    return {"downloads": len(wholes), "first_byte_p50_ms": p(first_bytes, 0.5),
            "first_byte_p95_ms": p(first_bytes, 0.95), "whole_p95_ms": p(wholes, 0.95),
            "rows": max(lines, default=1) - 1, "rows_per_s": sum(lines) / seconds if seconds else 0.0,
            "errors": len(errors), "memory_growth_mb": growth / 1024}


def measure_download(base: str, spec: dict, args, server, result: dict, doubled: dict) -> None:
    """An export's latency is the time until its download starts: a year of
    a base's bookings is ten megabytes, whose whole transfer grows with the
    year's data by nature (wrk's figures of the whole download are kept as
    whole_*). Its throughput is counted in rows a second, and its memory
    must stay flat."""
    probe = download_probe(base, spec, args.duration, args.connections, server)
    settle(base)
    probe_2x = download_probe(base, spec, max(2, args.duration // 2), args.connections * 2, server)
    settle(base)
    result.update(rps=probe["downloads"] / args.duration,
                  whole_p50_ms=result["p50_ms"], whole_p95_ms=result["p95_ms"], whole_p99_ms=result["p99_ms"],
                  p50_ms=probe["first_byte_p50_ms"], p95_ms=probe["first_byte_p95_ms"],
                  p99_ms=probe["first_byte_p95_ms"], download=probe, download_2x=probe_2x)
    result["socket_errors"] += probe["errors"]
    doubled["socket_errors"] = doubled.get("socket_errors", 0) + probe_2x["errors"]


def drive(base: str, spec: dict, duration: int, connections: int, kind: str) -> dict:
    # A download of a year of bookings is megabytes: wrk's 2 s answer limit
    # would count a slow but whole download as an error.
    result = run_wrk(base + spec["path"], duration, connections, cookie=spec.get("cookie", ""),
                     method=spec.get("method", "GET"), body=spec.get("body"), csrf=spec.get("csrf", ""),
                     bodies=spec.get("bodies"), headers=spec.get("headers"), timeout=30 if kind == "export" else 2)
    settle(base)
    return result


def settle(base: str, deadline_s: float = 60) -> None:
    """Wait until the workers have finished what wrk left queued (requests it
    gave up on still run): otherwise a slow page's backlog is counted in the
    next page's latency."""
    quick, deadline = 0, time.time() + deadline_s
    while quick < 3 and time.time() < deadline:
        started = time.time()
        urllib.request.urlopen(base + "/healthz", timeout=deadline_s).read()
        quick = quick + 1 if time.time() - started < 0.02 else 0
        time.sleep(0.1)


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.1f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores {model}{memory}, load {os.getloadavg()[0]:.1f} at start"


def bench_scale(args, scale: str) -> dict:
    database_url = args.database_url or f"sqlite:///{RESULTS / f'bench-{scale}.sqlite'}"
    os.environ.update({k: v for k, v in app_env(database_url).items() if k in (
        "DATABASE_URL", "SECRET_KEY", "INCUBATOR_ENV", "RATELIMIT_ENABLED")})
    flask(database_url, "db", "upgrade")
    started = time.time()
    flask(database_url, "seed-scale", "--size", scale, "--if-empty")
    flask(database_url, "reports", "build-figures")  # a database kept from a run before day rows existed
    print(f"== {scale}: database ready in {time.time() - started:.0f} s")

    from bench.pages import PAGES, TARGETS, prepare

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(database_url, port, args.workers, args.threads)
    rows = []
    try:
        context = prepare(base, database_url, Session)
        bare = run_wrk(base + "/healthz", args.duration, args.connections)
        rows.append(("bare /healthz", "bare", bare, {}))
        for page in (p for p in PAGES if args.page in p.name):
            spec = page.build(context)
            result = drive(base, spec, args.duration, args.connections, page.kind)
            result["kb"], result["kb_gz"] = first_load(base, spec)
            doubled = drive(base, spec, max(2, args.duration // 2), args.connections * 2, page.kind)
            if page.kind == "export":
                measure_download(base, spec, args, server, result, doubled)
            rows.append((page.name, page.kind, result, doubled))
            print(f"   {page.name}: {result['rps']:.0f} req/s, p95 {result['p95_ms']:.0f} ms", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)

    report = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "scale": scale,
              "database": database_url.split("://")[0].split("+")[0], "machine": machine(),
              "connections": args.connections, "workers": args.workers,
              "threads": args.threads, "duration": args.duration, "pages": []}
    bare_rps = bare["rps"]
    for name, kind, r, doubled in rows:
        ratio = r["rps"] / bare_rps if bare_rps else 0
        # Errors: connection failures, timeouts and 5xx. A 4xx (a slot taken,
        # a form refused) is an answer, counted apart as "refused".
        errors = r["socket_errors"] + r["status_errors"]
        errors_2x = doubled.get("socket_errors", 0) + doubled.get("status_errors", 0) if doubled else 0
        verdict = TARGETS.verdict(kind, ratio, r["p95_ms"], errors + errors_2x, r.get("kb", 0),
                                  memory_growth_mb=max(d.get("memory_growth_mb", 0) for d in (
                                      r.get("download", {}), r.get("download_2x", {}))))
        report["pages"].append({"name": name, "kind": kind, "ratio": ratio, "errors": errors,
                                "errors_2x": errors_2x, "p95_2x_ms": doubled.get("p95_ms"), "verdict": verdict, **r})
    return report


def compare_with_small(report: dict) -> None:
    """At district scale, each page's p95 must be at most 1.5x its small-scale p95."""
    small_file = RESULTS / f"bench-small-{report['database']}.json"
    if report["scale"] != "district" or not small_file.exists():
        return
    small = {p["name"]: p for p in json.loads(small_file.read_text())["pages"]}
    for page in report["pages"]:
        before = small.get(page["name"])
        if page["kind"] == "bare" or not before:
            continue
        page["p95_vs_small"] = page["p95_ms"] / before["p95_ms"] if before["p95_ms"] else 0
        if page["p95_vs_small"] > 1.5:
            page["verdict"] = (page["verdict"] + ",p95>1.5x small").replace("PASS,", "FAIL ")


def worker_kind(report: dict) -> str:
    threads = report.get("threads", 1)
    return f"gthread ({threads} threads)" if threads > 1 else "sync"


def print_report(report: dict) -> None:
    print(f"\n== {report['scale']} on {report['database']}, {report['machine']}, {report['date']}, "
          f"{report['workers']} {worker_kind(report)} workers, {report['connections']} connections "
          f"({report['connections'] * 2} for errors_2x)")
    print(f"{'page':34} {'kind':9} {'p50':>6} {'p95':>6} {'p99':>6} {'req/s':>7} {'ratio':>5} {'err':>3} "
          f"{'err2x':>5} {'4xx':>5} {'vs small':>8} {'KB':>6} {'KB gz':>5}  target")
    for p in report["pages"]:
        vs = f"{p['p95_vs_small']:.2f}x" if "p95_vs_small" in p else ""
        print(f"{p['name'][:34]:34} {p['kind']:9} {p['p50_ms']:6.1f} {p['p95_ms']:6.1f} {p['p99_ms']:6.1f} "
              f"{p['rps']:7.1f} {p['ratio']:5.2f} {p['errors']:3d} {p['errors_2x']:5d} "
              f"{p.get('refused', 0):5d} {vs:>8} {p.get('kb', 0):6.0f} {p.get('kb_gz', 0):5.0f}  {p['verdict']}")
    for p in report["pages"]:
        if "download" in p:
            d, d2 = p["download"], p["download_2x"]
            print(f"   {p['name']}: latency above is the time to the first bytes; {d['rows']:,} rows, "
                  f"whole download p95 {d['whole_p95_ms']:.0f} ms, {d['rows_per_s']:,.0f} rows/s, "
                  f"{d['downloads']} downloads; workers' peak memory +{d['memory_growth_mb']:.1f} MB "
                  f"(+{d2['memory_growth_mb']:.1f} MB at {report['connections'] * 2} at once)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="default: a SQLite file per scale under bench/results/")
    parser.add_argument("--scale", choices=("small", "district", "both"), default="both")
    parser.add_argument("--duration", type=int, default=8, help="seconds per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="threads a worker; 1: sync worker")
    parser.add_argument("--page", default="", help="only the pages whose name contains this (to try one page)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (make bench does this)")
    if args.database_url and args.scale == "both":
        raise SystemExit("--database-url holds one dataset: give --scale small or --scale district")

    RESULTS.mkdir(parents=True, exist_ok=True)
    failed = False
    for scale in (("small", "district") if args.scale == "both" else (args.scale,)):
        report = bench_scale(args, scale)
        compare_with_small(report)
        print_report(report)
        out = RESULTS / f"bench-{scale}-{report['database']}.json"
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
        print(f"written to {out.relative_to(ROOT)}")
        failed = failed or any(p["verdict"].startswith("FAIL") for p in report["pages"])
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
