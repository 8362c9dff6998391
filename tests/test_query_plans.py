"""No full scan of bookings, people (users) or attendance in the queries of
the benchmark's pages (issue 11), read with EXPLAIN QUERY PLAN on SQLite and
EXPLAIN on PostgreSQL (with sequential scans discouraged, since on a few
hundred rows PostgreSQL rightly prefers them: the check is that an index can
be used at all)."""

import re

from incubator.extensions import db
from tests.support.bench_pages import TEN_TIMES, page_statements

GUARDED = ("users", "bookings", "attendance", "attendances", "training_sessions", "applications")


def full_scans(statement: str, parameters) -> list[str]:
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = [row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters)]
        pattern = re.compile(r"Seq Scan on ({})\b".format("|".join(GUARDED)))
        return [line.strip() for line in plan if pattern.search(line)]
    plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    # A SCAN walks the whole table, or the whole of one of its indexes (in
    # ORDER BY order): both grow with the table. A SEARCH is what we want.
    pattern = re.compile(r"^SCAN ({})\b".format("|".join(GUARDED)))
    return [line for line in plan if pattern.search(line)]


def test_no_page_scans_people_bookings_or_attendance(app):
    recorded = page_statements(app, TEN_TIMES)
    db.session.execute(db.text("ANALYZE"))
    checked, problems = 0, []
    for name, statements in recorded.items():
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            checked += 1
            for line in full_scans(statement, parameters):
                problems.append(f"{name}: {line}\n    {statement}")
    assert checked, "no queries were checked"
    assert not problems, "\n".join(problems)


def test_the_check_catches_a_full_scan(app):
    """The detector itself: no index holds people's language."""
    statement = "SELECT id FROM users WHERE locale = 'x'"
    assert full_scans(statement, {} if db.engine.dialect.name == "postgresql" else ())
