"""axe-core through axe-playwright-python, which carries the engine (no download)."""

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()
BLOCKING = {"serious", "critical"}


def assert_accessible(page) -> None:
    results = _axe.run(page)
    violations = [v for v in results.response["violations"] if v.get("impact") in BLOCKING]
    summary = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in violations
    )
    assert not violations, f"accessibility violations on {page.url}:\n{summary}"
