"""Backups that are consistent while the application keeps writing.

SQLite: the online backup API copies the database page by page under a read
transaction, so the copy is one moment's state even with writers active.
PostgreSQL: pg_dump takes one snapshot (repeatable read) and restores with
pg_restore --clean.
"""

import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    pass


def default_backup_path(instance_path: str, database_url: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite" if database_url.startswith("sqlite") else "dump"
    return Path(instance_path) / "backups" / f"incubator-{stamp}.{suffix}"


def _sqlite_path(database_url: str) -> str:
    path = make_url(database_url).database
    if not path:
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return path


def _pg_args(database_url: str) -> tuple[list[str], dict]:
    url = make_url(database_url)
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres",
            "-d", url.database]
    env = {"PGPASSWORD": url.password} if url.password else {}
    return args, env


def _run(command: list[str], env: dict) -> None:
    import os

    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client).")
    result = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")


def backup(database_url: str, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    if database_url.startswith("sqlite"):
        source = sqlite3.connect(_sqlite_path(database_url), timeout=30)
        copy = sqlite3.connect(str(target))
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        args, env = _pg_args(database_url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args], env)
    return target


def restore(database_url: str, source: Path) -> None:
    if not source.exists():
        raise BackupError(f"No backup at {source}.")
    if database_url.startswith("sqlite"):
        backup_db = sqlite3.connect(str(source))
        live = sqlite3.connect(_sqlite_path(database_url), timeout=30)
        try:
            with live:
                backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
    else:
        args, env = _pg_args(database_url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", *args, str(source)],
             env)
