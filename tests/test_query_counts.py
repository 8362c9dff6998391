"""SQL statements per benchmark page (issue 11): the same number with 3 and
with 30 of everything (no N+1 query), and at most 12.

The data comes from `flask seed-scale` with tiny sizes, so the pages see the
same shapes of data as the benchmark; the pages are bench/pages.py's list.
"""

from bench.pages import ALL_PAGES
from incubator.extensions import db
from tests.conftest import empty_all_tables
from tests.support.bench_pages import TEN_TIMES, TINY, page_statements

MAX_STATEMENTS = 12


def test_each_page_runs_the_same_few_statements_at_both_sizes(app):
    small = page_statements(app, TINY)
    db.session.remove()
    empty_all_tables()
    bigger = page_statements(app, TEN_TIMES)
    assert small and small.keys() == bigger.keys()
    for name in small:
        listing = "\n".join(statement for statement, _ in bigger[name])
        assert len(small[name]) == len(bigger[name]), (
            f"{name}: {len(small[name])} statements with 3 of everything, {len(bigger[name])} with 30 "
            f"(an N+1 query?)\n{listing}")
        assert len(bigger[name]) <= MAX_STATEMENTS, f"{name}: {len(bigger[name])} statements\n{listing}"


def test_page_list_names_real_views(app):
    """A page of an area that is in the app must name one of its views (a
    page whose area has not landed yet is simply left out of the benchmark)."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for page in ALL_PAGES:
        if page.endpoint.split(".")[0] in app.blueprints:
            assert page.endpoint in endpoints, page.name
