"""Command-line tools: `flask create-admin`, `flask seed-demo`, `flask reports build-figures`,
`flask translate ...`."""

import click
from flask import Flask
from sqlalchemy import select

from incubator.extensions import db


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_scale)
    app.cli.add_command(reports)
    app.cli.add_command(translate)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("backup")
@click.option("--to", "target", type=click.Path(dir_okay=False), help="File to write (default: instance/backups/).")
def backup_command(target: str | None) -> None:
    """Write a consistent copy of the database, safe while the app is running."""
    from pathlib import Path

    from flask import current_app

    from incubator.backup import BackupError, backup, default_backup_path

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    path = Path(target) if target else default_backup_path(current_app.instance_path, url)
    try:
        backup(url, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {path}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.confirmation_option(prompt="Replace the whole database with this backup?")
def restore_command(source: str) -> None:
    """Bring a backup back (replaces the current database). Stop the app first."""
    from pathlib import Path

    from flask import current_app

    from incubator.backup import BackupError, restore

    db.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], Path(source))
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo("Restored.")


@click.command("create-admin")
@click.option("--login", "login_name", prompt="Mobile number or e-mail", help="How the admin logs in.")
@click.option("--name", prompt="Name", help="The admin's name.")
@click.password_option(help="At least 8 characters.")
def create_admin(login_name: str, name: str, password: str) -> None:
    """Make the first admin (or give an existing account the admin role)."""
    from incubator.accounts import service
    from incubator.errors import DomainError

    existing = service.find_by_login(login_name)
    try:
        if existing:
            service.grant_role(existing, existing, "admin")
            service.grant_role(existing, existing, "staff")
            click.echo(f"{existing.display_name} is now an admin.")
            return
        service.sign_up(login_name=login_name, password=password,
                        display_name=name, consent=True, roles=("admin", "staff"))
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Admin {name} created; log in with {login_name}.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has people.")
def seed_demo(if_empty: bool) -> None:
    """Load the demo base, people and activity."""
    from incubator.demo import database_is_empty
    from incubator.demo import seed_demo as run_seed

    if if_empty and not database_is_empty():
        click.echo("The database already has people; demo data not loaded.")
        return
    run_seed()
    db.session.commit()
    click.echo("Demo data loaded. Log in with the accounts listed in the README.")


@click.command("seed-scale")
@click.option("--size", type=click.Choice(["small", "district"]), default="district", show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has people.")
@click.option("--people", type=int, help="Override the number of people (likewise below).")
@click.option("--bookings", type=int)
@click.option("--cohorts", type=int)
@click.option("--attendance", type=int)
@click.option("--mentors", type=int)
@click.option("--shops", type=int)
def seed_scale(size: str, if_empty: bool, **overrides) -> None:
    """Build a district-scale dataset for the load benchmark (bench/)."""
    from incubator.demo import database_is_empty
    from incubator.scale.seed import seed_scale as run_seed
    from incubator.scale.seed import summary

    if if_empty and not database_is_empty():
        click.echo("The database already has people; scale data not loaded.")
        return
    try:
        made = run_seed(size, overrides)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(summary(made))


@click.group()
def reports() -> None:
    """The reports' stored figures."""


@reports.command("build-figures")
@click.option("--all", "everything", is_flag=True, help="Build every base again, not only those never built.")
def build_figures(everything: bool) -> None:
    """Count each base's day rows from its records (after an upgrade)."""
    from incubator.reports import daily
    from incubator.sites.models import Site

    built = daily.build(db.session.scalars(select(Site.id).order_by(Site.id)).all() if everything else None)
    click.echo(f"Figures built for {len(built)} base(s)." if built else "Every base's figures were already built.")


@click.group()
def translate() -> None:
    """Keep the zh_CN catalogues complete (one core catalogue, one per area)."""


@translate.command("update")
def translate_update() -> None:
    """Extract strings and update every catalogue (new strings come in empty)."""
    from incubator import translations

    for catalogue in translations.catalogues():
        translations.update(catalogue)
        click.echo(f"updated {catalogue.po_path}")


@translate.command("compile")
def translate_compile() -> None:
    from incubator import translations

    for catalogue in translations.catalogues():
        translations.compile_catalogue(catalogue)


@translate.command("missing")
def translate_missing() -> None:
    """List strings marked for translation that have no zh_CN translation."""
    from incubator import translations

    missing = translations.missing_translations()
    for where, msgid in missing:
        click.echo(f"{where}: {msgid}")
    if missing:
        raise click.ClickException(f"{len(missing)} strings have no zh_CN translation.")
    click.echo("Every string has a zh_CN translation.")
