"""The bell, the notifications page and the notification settings; and the
`flask scheduler` command (registered at the top level of the CLI)."""

import contextlib

import click
from flask import Blueprint, abort, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incubator.notify import service, settings
from incubator.notify.categories import CATEGORIES
from incubator.notify.forms import choices_from, preferences_form
from incubator.web import background, paginate, redirect_to, render, trigger, wants_fragment

bp = Blueprint("notify", __name__, url_prefix="/notifications", cli_group=None)
PER_PAGE = 20
CHANGED_EVENT = "notify:changed"


@bp.record_once
def _settings(state):
    settings.apply(state.app)


def unread_once(user) -> int:
    """The person's unread count, counted once per request: the bell in the
    header and the home panel both show it."""
    cached = g.get("notify_unread")
    if cached is None or cached[0] != user.id:
        cached = g.notify_unread = (user.id, service.unread_count(user))
    return cached[1]


def home_panel_context(user) -> dict:
    return service.home_panel_context(user, unread=unread_once(user))


@bp.app_context_processor
def _bell_helpers():
    def unread_notifications() -> int:
        return unread_once(current_user) if current_user.is_authenticated else 0

    return {"unread_notifications": unread_notifications,
            "notification_text": service.text_for,
            "bell_poll_seconds": current_app.config["NOTIFY_POLL_SECONDS"]}


@bp.route("/bell")
@background
def bell():
    """The bell alone, for htmx polling. 286 tells htmx to stop polling once
    the person is signed out."""
    if not current_user.is_authenticated:
        return make_response("", 286)
    return render_template("notify/_bell.html")


@bp.route("/")
@login_required
def index():
    page = paginate(service.notifications_query(current_user), PER_PAGE)
    return render("notify/index.html", "notify/_list.html", page=page)


@bp.route("/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    """Following a notification marks it read and leads to what it is about."""
    notification = service.own_notification(current_user, notification_id) or abort(404)
    service.mark_read(current_user, notification)
    target = notification.url if service.is_internal_url(notification.url) else url_for("notify.index")
    return redirect(target, code=303)


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    notification = service.own_notification(current_user, notification_id) or abort(404)
    service.mark_read(current_user, notification)
    g.pop("notify_unread", None)  # a count taken earlier in this request is out of date
    if wants_fragment():
        response = make_response(render_template("notify/_item.html", notification=notification))
        return trigger(response, CHANGED_EVENT)
    flash(_("Marked as read."), "success")
    return redirect_to(_back_to_list())


@bp.route("/read-all", methods=["POST"])
@login_required
def mark_all_read():
    count = service.mark_all_read(current_user)
    g.pop("notify_unread", None)  # a count taken earlier in this request is out of date
    if wants_fragment():
        page = paginate(service.notifications_query(current_user), PER_PAGE)
        response = make_response(render_template("notify/_list.html", page=page))
        return trigger(response, CHANGED_EVENT)
    if count:
        flash(_("All notifications are marked as read."), "success")
    return redirect_to(_back_to_list())


def _back_to_list() -> str:
    try:
        page = max(1, int(request.values.get("page", 1)))
    except ValueError:
        page = 1
    return url_for("notify.index", page=page) if page > 1 else url_for("notify.index")


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def preferences():
    form = preferences_form(service.preferences(current_user))
    if form.validate_on_submit():
        service.save_preferences(current_user, choices_from(form))
        flash(_("Your notification settings are saved."), "success")
        return redirect_to(url_for("notify.preferences"))
    context = {"form": form, "categories": CATEGORIES, "email_on": service.email_enabled()}
    if form.is_submitted():  # only a missing or stale CSRF token gets here
        from incubator.web import render_form_error

        return render_form_error("notify/settings.html", **context)
    return render("notify/settings.html", **context)


@bp.cli.command("scheduler")
@click.option("--heartbeat", "heartbeat_file", type=click.Path(dir_okay=False),
              help="Also run a heartbeat job that appends a line per run to this file.")
@click.option("--heartbeat-seconds", type=click.IntRange(1), default=60, show_default=True)
def scheduler_command(heartbeat_file: str | None, heartbeat_seconds: int) -> None:
    """Run the scheduled jobs of every area (its own process; never in web workers)."""
    import logging

    from incubator.areas import Job
    from incubator.notify.scheduler import build_scheduler, collect_jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    app = current_app._get_current_object()
    jobs = collect_jobs(app)
    if heartbeat_file:
        app.config["SCHEDULER_HEARTBEAT_FILE"] = heartbeat_file
        jobs.append(Job("notify.heartbeat", "incubator.notify.jobs:heartbeat", "interval",
                        {"seconds": heartbeat_seconds}))
    scheduler = build_scheduler(app, jobs)
    click.echo(f"scheduler: {len(jobs)} jobs: {', '.join(job.id for job in jobs)}", err=True)
    import signal

    signal.signal(signal.SIGTERM, lambda *_args: scheduler.shutdown(wait=False))
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
