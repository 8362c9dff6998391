"""Incubator: the web platform of a community livestream incubation base."""

from pathlib import Path

from flask import Flask

from incubator.config import build_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(build_config(Path(app.instance_path)))
    app.config.update(overrides or {})

    from incubator import setup

    setup.init_extensions(app)
    setup.register_areas(app)
    setup.init_templates(app)
    setup.init_static(app)
    setup.init_responses(app)
    setup.register_error_pages(app)

    from incubator.cli import register_cli

    register_cli(app)
    return app
