"""Where a page's time goes, without a server: `python -m bench.profile`.

Each page of bench/pages.py is called through the WSGI application in this
process (Flask's test client, with the known accounts logged in), so the
figure is the application's own CPU per request: no network, no gunicorn,
no wrk sharing the cores. The bare /healthz is measured the same way, and
each page's cost is printed beside it. `--profile NAME` prints the functions
that take that page's time (cProfile), to find what to make cheaper.

    DATABASE_URL=sqlite:///bench/results/bench-district.sqlite SECRET_KEY=x \\
      INCUBATOR_ENV=bench .venv/bin/python -m bench.profile [--page roll] [--profile roll]
"""

import argparse
import cProfile
import gc
import pstats
import re
import time

from bench.pages import ALL_PAGES, booking_bodies, find_ids
from incubator.scale.seed import BENCH_PASSWORD, KNOWN

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def login(app, phone: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = CSRF.search(html).group(1)
    response = client.post("/login", data={"login_name": phone, "password": BENCH_PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303), f"login of {phone} answered {response.status_code}"
    html = client.get("/home").get_data(as_text=True)
    return client, CSRF.search(html).group(1)


def requester(app, clients: dict, ids: dict, page):
    """A function that makes one request of this page."""
    client, token = clients.get(page.who) or clients["anonymous"]
    path = page.path.format(**ids)
    headers = {"HX-Request": "true"} if page.htmx else {}
    if page.method == "GET":
        return lambda: client.get(path, headers=headers)
    headers["X-CSRFToken"] = token
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    bodies = booking_bodies(ids) if page.varied else [page.body.format(**ids)]
    state = {"i": 0}

    def post():
        body = bodies[state["i"] % len(bodies)]
        state["i"] += 1
        return client.post(path, data=body, headers=headers)

    return post


def cpu_per_request(call, seconds: float, batches: int = 5) -> tuple[float, float, int]:
    """CPU ms and wall ms per request, one request at a time: the best of a
    few batches (as timeit does), since other work on the machine only ever
    adds to a batch's time. On PostgreSQL the wall time also holds the
    database's own work, which the CPU time of this process does not."""
    call()  # warm: first-request imports and template compilation
    best_cpu, best_wall, status = float("inf"), float("inf"), 0
    for _ in range(batches):
        count = 0
        started_wall, started_cpu = time.perf_counter(), time.process_time()
        while time.perf_counter() - started_wall < seconds / batches or count < 3:
            response = call()
            status = response.status_code
            response.get_data()  # a streamed answer is made while it is read
            response.close()
            count += 1
        best_cpu = min(best_cpu, (time.process_time() - started_cpu) / count * 1000)
        best_wall = min(best_wall, (time.perf_counter() - started_wall) / count * 1000)
    return best_cpu, best_wall, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", default="", help="only pages whose name contains this")
    parser.add_argument("--profile", default="", help="cProfile the first page whose name contains this")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()

    from incubator import create_app
    from incubator.extensions import db

    app = create_app({"RATELIMIT_ENABLED": False})
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    with app.app_context():
        ids = find_ids(db.session.connection())
        db.session.remove()
    clients = {"anonymous": (app.test_client(), "")}
    for key in ("admin", "staff", "trainee", "member", "mentee", "trainer"):
        clients[key] = login(app, KNOWN[key])

    # As wsgi.py does for gunicorn's workers: the objects made at start-up
    # out of the collector's view, or its full collections are counted in.
    gc.freeze()
    pages = [p for p in ALL_PAGES if p.endpoint in endpoints and args.page in p.name]
    if args.profile:
        page = next(p for p in pages if args.profile in p.name)
        call = requester(app, clients, ids, page)
        call()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(int(__import__("os").environ.get("PROFILE_N", 50))):
            response = call()
            response.get_data()
            response.close()
        profiler.disable()
        print(f"== {page.name}: 50 requests")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
        return

    bare_ms, bare_wall, _ = cpu_per_request(lambda: clients["anonymous"][0].get("/healthz"), args.seconds)
    print(f"{'page':36} {'CPU ms':>7} {'x bare':>7} {'wall ms':>8} {'status':>6}")
    print(f"{'bare /healthz':36} {bare_ms:7.2f} {1:7.1f} {bare_wall:8.2f}")
    for page in pages:
        ms, wall, status = cpu_per_request(requester(app, clients, ids, page), args.seconds)
        print(f"{page.name[:36]:36} {ms:7.2f} {ms / bare_ms:7.1f} {wall:8.2f} {status:6d}", flush=True)


if __name__ == "__main__":
    main()
