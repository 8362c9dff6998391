"""Shared view helpers: page or fragment, redirects, form errors, messages.

Every htmx header is read or written here and nowhere else, so a later move to
another htmx major version touches this one file.
"""

import json
from urllib.parse import urljoin, urlsplit

from flask import Response, current_app, get_flashed_messages, make_response, redirect, render_template, request

from incubator.errors import DomainError

FORM_ERROR_STATUS = 422


def background(view):
    """Mark a view that pages call by themselves (polling): such requests do
    not count as the person being active, so an open tab still times out."""
    view.is_background = True
    return view


def is_background_request() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, "is_background", False))


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_fragment() -> bool:
    """True when htmx asked for a piece of a page.

    Boosted navigation and history restores need the whole page: without it
    the back button would show a bare fragment.
    """
    return (
        is_htmx()
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(page: str, fragment: str | None = None, /, status: int = 200, **context) -> Response:
    """Render the full page, or only its fragment for htmx.

    The page template {% include %}s the fragment, so the markup lives once.
    """
    template = fragment if fragment and wants_fragment() else page
    return make_response(render_template(template, **context), status)


def render_form_error(page: str, fragment: str | None = None, /, **context) -> Response:
    """A form that comes back with errors: status 422, which the htmx-config
    meta tag tells htmx to swap (htmx 2 leaves 4xx unswapped by default)."""
    return render(page, fragment, status=FORM_ERROR_STATUS, **context)


def render_form(form, page: str, fragment: str | None = None, /, **context) -> Response:
    """A page with a form: shown plainly the first time, and with status 422
    (render_form_error) when it was sent and comes back with its errors."""
    status = FORM_ERROR_STATUS if form.is_submitted() else 200
    return render(page, fragment, status=status, **context)


def redirect_to(url: str) -> Response:
    """After a successful action: 303 for a plain or boosted POST; for a
    non-boosted htmx request, HX-Location makes htmx load the page as a
    boosted navigation (history and title included)."""
    if wants_fragment():
        response = make_response("", 204)
        response.headers["HX-Location"] = json.dumps({"path": url, "target": "body"})
        return response
    return redirect(url, code=303)


def trigger(response: Response, event: str, detail=None) -> Response:
    """Ask htmx to fire an event in the browser after the swap."""
    events = json.loads(response.headers.get("HX-Trigger", "{}") or "{}")
    events[event] = detail if detail is not None else True
    # ASCII only: header values travel as Latin-1; JSON escapes keep Chinese intact.
    response.headers["HX-Trigger"] = json.dumps(events)
    return response


def apply_errors(form, error: DomainError) -> None:
    """Put a service's (field, message) pairs on a WTForms form; errors about
    the whole form go to form.form_errors, which the form macro shows on top."""
    for field_name, message in error.errors:
        field = getattr(form, field_name, None) if field_name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [str(message)]
        else:
            form.form_errors.append(str(message))


def is_safe_next(target: str | None) -> bool:
    """Only addresses on this site may follow a login."""
    if not target or target.startswith("//") or "\\" in target:
        return False
    host = urlsplit(request.host_url)
    parsed = urlsplit(urljoin(request.host_url, target))
    return parsed.scheme in ("http", "https") and parsed.netloc == host.netloc


def safe_next(default: str) -> str:
    target = request.values.get("next")
    return target if is_safe_next(target) else default


def add_vary_and_messages(response: Response) -> Response:
    """after_request hook.

    Vary: HX-Request keeps caches (and the browser's back button) from mixing
    fragments and pages. Messages flashed during a fragment request travel in
    an HX-Trigger event, shown as a toast by static/js/app.js; full pages show
    them in the layout instead.
    """
    vary = {v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()}
    vary.add("HX-Request")
    response.headers["Vary"] = ", ".join(sorted(vary))
    # After HX-Location or a redirect the next full page shows the messages.
    if wants_fragment() and "HX-Location" not in response.headers and not 300 <= response.status_code < 400:
        messages = get_flashed_messages(with_categories=True)
        if messages:
            trigger(response, "incubator:messages",
                    [{"category": c, "text": str(m)} for c, m in messages])
    return response


class Page:
    """One page of a query's results, with what the pager macro needs."""

    def __init__(self, items, page: int, per_page: int, total: int):
        self.items = items
        self.page = page
        self.per_page = per_page
        self.total = total

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


# No list is near this long; the cap keeps the offset inside a database
# integer (a page of 10**20 made SQLite raise OverflowError: a 500).
LAST_PAGE = 100_000


def page_number() -> int:
    """The ?page= argument, between 1 and LAST_PAGE and never an error (a page
    past the end shows an empty page with the way back)."""
    try:
        return min(max(1, int(request.args.get("page", 1))), LAST_PAGE)
    except ValueError:
        return 1


def page_of(items: list, per_page: int) -> Page:
    """One page of a list already in memory (filtered in Python)."""
    number = page_number()
    return Page(items[(number - 1) * per_page:number * per_page], number, per_page, len(items))


def paginate(statement, per_page: int) -> Page:
    from incubator.extensions import db

    result = db.paginate(statement, page=page_number(), per_page=per_page, error_out=False)
    return Page(result.items, result.page, per_page, result.total or 0)
