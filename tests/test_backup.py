"""flask backup under write load, then flask restore: every committed row is back."""

import threading

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from incubator.audit import AuditEntry
from incubator.backup import backup, restore
from incubator.extensions import db


def _write_until(stop: threading.Event, url: str, committed: list[int]) -> None:
    engine = create_engine(url)
    with engine.connect() as conn:
        while not stop.is_set():
            new_id = conn.execute(insert(AuditEntry).values(action="load.write", object_type="test")
                                  .returning(AuditEntry.id)).scalar_one()
            conn.commit()
            committed.append(new_id)
    engine.dispose()


def _fresh_target(database_url: str, tmp_path) -> tuple[str, object]:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.sqlite'}", None
    url = make_url(database_url)
    target = url.set(database=f"{url.database}_restored")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}"'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    return target.render_as_string(hide_password=False), admin


def test_backup_while_writing_restores_every_committed_row(database_url, tmp_path):
    db.session.commit()
    committed: list[int] = []
    stop = threading.Event()
    writer = threading.Thread(target=_write_until, args=(stop, database_url, committed))
    writer.start()
    try:
        while len(committed) < 50:  # the load is running
            threading.Event().wait(0.01)
        before_backup = list(committed)
        path = backup(database_url, tmp_path / "copy.backup")
        while len(committed) < len(before_backup) + 20:  # and keeps running after
            threading.Event().wait(0.01)
    finally:
        stop.set()
        writer.join()

    target, admin = _fresh_target(database_url, tmp_path)
    try:
        restore(target, path)
        engine = create_engine(target)
        with engine.connect() as conn:
            restored = list(conn.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))
        engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(target).database}" WITH (FORCE)'))
    assert set(before_backup) <= set(restored), "a row committed before the backup is missing"
    # One consistent moment: a run of rows with no hole in it.
    assert restored == list(range(restored[0], restored[0] + len(restored)))
