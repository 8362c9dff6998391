from decimal import Decimal

from flask import Blueprint, abort, flash, request, send_file, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from incubator.accounts.models import User
from incubator.accounts.service import normalise_phone
from incubator.auth import STAFF_ROLES, ensure_owner_or_staff, ensure_same_site, staff_required
from incubator.errors import DomainError
from incubator.extensions import db
from incubator.i18n import reader_today
from incubator.shops import service
from incubator.shops.forms import (
    ApplyForm,
    BoardFilterForm,
    EvidenceFileForm,
    EvidenceLinkForm,
    MoveForm,
    SalesForm,
    StageForm,
    SupportForm,
    yuan_to_fen,
)
from incubator.shops.labels import CATEGORY_LABELS, HELP_LABELS, MOVE_LABELS, PLATFORM_LABELS, SUPPORT_LABELS
from incubator.shops.models import CATEGORIES, ChecklistItem, Evidence, Shop, Stage
from incubator.web import apply_errors, redirect_to, render, render_form, render_form_error, wants_fragment

bp = Blueprint("shops", __name__, url_prefix="/shops")

LABELS = {"category_labels": CATEGORY_LABELS, "platform_labels": PLATFORM_LABELS, "help_labels": HELP_LABELS,
          "support_labels": SUPPORT_LABELS, "move_labels": MOVE_LABELS}


@bp.app_template_filter("shop_yuan")
def shop_yuan(fen: int | None) -> str:
    """Whole yuan without decimals (400), else two places (12.50)."""
    if fen is None:
        return ""
    return format_decimal(Decimal(fen) / 100, format="#,##0" if fen % 100 == 0 else "#,##0.00")


def _is_staff() -> bool:
    return current_user.has_any_role(STAFF_ROLES)


def _shop(shop_id: int) -> Shop:
    shop = db.session.get(Shop, shop_id)
    return ensure_owner_or_staff(shop, shop.owner_id if shop else None)


def _staff_shop(shop_id: int) -> Shop:
    return ensure_same_site(db.session.get(Shop, shop_id))


# --- Home panels ----------------------------------------------------------------

def owner_panel(user) -> dict:
    shops = service.shops_of(user)
    return {"shops": shops, "missing": {s.id: service.missing_for_stage(s) for s in shops}}


def staff_panel(user) -> dict:
    columns = service.board(user.site_id)
    stalled = sum(1 for column in columns for card in column["cards"] if card["stalled"])
    return {"columns": columns, "stalled": stalled, "total": sum(len(c["cards"]) for c in columns)}


# --- Owners ------------------------------------------------------------------------

@bp.route("/mine")
@login_required
def mine():
    shops = service.shops_of(current_user)
    if not shops:
        return redirect_to(url_for("shops.apply"))
    if len(shops) == 1:
        return redirect_to(url_for("shops.show", shop_id=shops[0].id))
    return render("shops/mine.html", shops=shops, **LABELS)


@bp.route("/apply", methods=["GET", "POST"])
@login_required
def apply():
    form = ApplyForm()
    if form.validate_on_submit():
        try:
            shop = service.apply(
                current_user, name=form.name.data, category=form.category.data, location=form.location.data,
                has_physical_shop=form.has_physical_shop.data == "yes", platforms=form.platforms.data,
                products=form.products.data, help_wanted=form.help_wanted.data,
                baseline_pieces_per_day=form.baseline_pieces.data,
                baseline_revenue_fen_per_day=yuan_to_fen(form.baseline_revenue.data))
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("Thank you! Your application is in; the base's staff will call you soon."), "success")
            return redirect_to(url_for("shops.show", shop_id=shop.id))
    return render_form(form, "shops/apply.html", form=form)


def _shop_context(shop: Shop, **forms) -> dict:
    staff = _is_staff()
    context = dict(
        shop=shop, stages=service.stages_for(shop.site_id), is_staff=staff,
        next_stage=service.next_stage(shop), previous_stage=service.previous_stage(shop),
        missing=service.missing_for_stage(shop), ticked=shop.ticked_item_ids(),
        evidence=service.evidence_of(shop), sales=service.sales_of(shop, limit=30),
        uplift=service.uplift(shop), history=service.history_of(shop), contact=service.staff_contact(shop),
        days=service.days_in_stage(shop), stalled=service.is_stalled(shop),
        support=service.support_records(shop.site_id, shop=shop) if staff else [],
        move_form=forms.get("move_form") or MoveForm(),
        file_form=forms.get("file_form") or EvidenceFileForm(),
        link_form=forms.get("link_form") or EvidenceLinkForm(),
        **LABELS,
    )
    return context


@bp.route("/<int:shop_id>")
@login_required
def show(shop_id: int):
    shop = _shop(shop_id)
    return render("shops/show.html", **_shop_context(shop))


# --- Evidence ---------------------------------------------------------------------------

@bp.route("/<int:shop_id>/evidence", methods=["POST"])
@login_required
def add_evidence(shop_id: int):
    shop = _shop(shop_id)
    form = EvidenceFileForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            if not upload or not getattr(upload, "stream", None):
                raise DomainError(_("Choose a file to upload."), field="file")
            service.add_evidence_file(current_user, shop, upload.stream, upload.filename or "")
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("The file is saved. Only the base's staff and you can see it."), "success")
            return redirect_to(url_for("shops.show", shop_id=shop.id, _anchor="evidence"))
    return render_form_error("shops/show.html", **_shop_context(shop, file_form=form))


@bp.route("/<int:shop_id>/evidence/link", methods=["POST"])
@login_required
def add_evidence_link(shop_id: int):
    shop = _shop(shop_id)
    form = EvidenceLinkForm()
    if form.validate_on_submit():
        try:
            service.add_evidence_link(current_user, shop, form.url.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("The link is saved."), "success")
            return redirect_to(url_for("shops.show", shop_id=shop.id, _anchor="evidence"))
    return render_form_error("shops/show.html", **_shop_context(shop, link_form=form))


@bp.route("/<int:shop_id>/evidence/<int:evidence_id>")
@login_required
def evidence_file(shop_id: int, evidence_id: int):
    shop = _shop(shop_id)
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.shop_id != shop.id or evidence.kind != "file":
        abort(404)
    path = service.evidence_path(evidence)
    if not path.is_file():
        abort(404)
    extension = evidence.stored_name.rsplit(".", 1)[-1]
    response = send_file(path, mimetype=evidence.content_type, as_attachment=evidence.content_type == "application/pdf",
                         download_name=f"shop-{shop.id}-evidence-{evidence.id}.{extension}", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- Sales log ------------------------------------------------------------------------

@bp.route("/<int:shop_id>/sales/new", methods=["GET", "POST"])
@login_required
def new_sales(shop_id: int):
    shop = _shop(shop_id)
    form = SalesForm()
    if request.method == "GET":
        form.occurred_on.data = reader_today()
        form.host.data = shop.owner.display_name
        form.platform.data = shop.platforms[0] if shop.platforms else "douyin"
    if form.validate_on_submit():
        try:
            service.record_sales(
                shop, occurred_on=form.occurred_on.data, minutes=form.minutes.data, host=form.host.data,
                platform=form.platform.data, viewers=form.viewers.data, orders=form.orders.data,
                revenue_fen=yuan_to_fen(form.revenue.data), products=form.products.data,
                recorded_by=current_user, pieces=form.pieces.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("The livestream's results are saved."), "success")
            return redirect_to(url_for("shops.show", shop_id=shop.id, _anchor="sales"))
    return render_form(form, "shops/sales_form.html", form=form, shop=shop)


# --- Staff: moving shops --------------------------------------------------------------

def _board_context() -> dict:
    form = BoardFilterForm(request.values)
    staff = service.staff_of_site(current_user.site_id)
    form.category.choices = [("", _("All categories"))] + [(c, CATEGORY_LABELS[c]) for c in CATEGORIES]
    form.staff.choices = [("", _("All staff"))] + [(str(p.id), p.display_name) for p in staff]
    category = form.category.data if form.category.data in CATEGORIES else None
    try:
        staff_id = int(form.staff.data or 0) or None
    except ValueError:
        staff_id = None
    columns = service.board(current_user.site_id, category=category, staff_id=staff_id)
    view = "list" if request.values.get("view") == "list" else "board"
    filters = {k: v for k, v in (("category", category), ("staff", staff_id)) if v}
    return dict(columns=columns, filter_form=form, view=view, filters=filters,
                move_form=MoveForm(), **LABELS)


@bp.route("/")
@staff_required
def board():
    return render("shops/board.html", "shops/_board.html", **_board_context())


def _after_move(shop: Shop):
    if request.values.get("from") == "board":
        if wants_fragment():
            return render("shops/board.html", "shops/_board.html", **_board_context())
        args = {k: v for k, v in request.values.items() if k in ("category", "staff", "view") and v}
        return redirect_to(url_for("shops.board", **args))
    return redirect_to(url_for("shops.show", shop_id=shop.id))


def _move_error(shop: Shop, form: MoveForm, error: DomainError):
    apply_errors(form, error)
    if request.values.get("from") == "board":
        flash(str(error.message), "error")
        if wants_fragment():
            # The board stays as it was; the message says why.
            return render("shops/board.html", "shops/_board.html", status=422, **_board_context())
        return _after_move(shop)
    return render_form_error("shops/show.html", **_shop_context(shop, move_form=form))


@bp.route("/<int:shop_id>/advance", methods=["POST"])
@staff_required
def advance(shop_id: int):
    shop = _staff_shop(shop_id)
    form = MoveForm()
    if not form.validate_on_submit():
        return _move_error(shop, form, DomainError(_("Please check the note.")))
    try:
        stage = service.advance(current_user, shop, form.note.data or "")
    except DomainError as error:
        return _move_error(shop, form, error)
    flash(_("%(shop)s moved on to: %(stage)s.", shop=shop.name, stage=stage.name), "success")
    return _after_move(shop)


@bp.route("/<int:shop_id>/back", methods=["POST"])
@staff_required
def send_back(shop_id: int):
    shop = _staff_shop(shop_id)
    form = MoveForm()
    if not form.validate_on_submit():
        return _move_error(shop, form, DomainError(_("Please check the note.")))
    try:
        stage = service.send_back(current_user, shop, form.note.data or "")
    except DomainError as error:
        return _move_error(shop, form, error)
    flash(_("%(shop)s went back to: %(stage)s.", shop=shop.name, stage=stage.name), "success")
    return _after_move(shop)


@bp.route("/<int:shop_id>/checklist/<int:item_id>", methods=["POST"])
@staff_required
def tick(shop_id: int, item_id: int):
    shop = _staff_shop(shop_id)
    item = db.session.get(ChecklistItem, item_id)
    if item is None or item.stage_id != shop.stage_id:
        abort(404)
    try:
        service.set_tick(current_user, shop, item, request.form.get("done") == "1")
    except DomainError as error:
        flash(str(error.message), "error")
    if wants_fragment():
        return render("shops/show.html", "shops/_stage.html", **_shop_context(shop))
    return redirect_to(url_for("shops.show", shop_id=shop.id, _anchor="stage"))


# --- Staff: stages ------------------------------------------------------------------

@bp.route("/stages")
@staff_required
def stages():
    return render("shops/stages.html", stages=service.stages_for(current_user.site_id))


def _stage_form(stage: Stage | None) -> StageForm:
    form = StageForm(obj=stage)
    form.staff_id.choices = [(0, _("Nobody in particular"))] + [
        (p.id, p.display_name) for p in service.staff_of_site(current_user.site_id)]
    if request.method == "GET":
        form.staff_id.data = stage.staff_id if stage and stage.staff_id else 0
        form.checklist.data = service.checklist_text(stage) if stage else ""
    return form


@bp.route("/stages/new", methods=["GET", "POST"])
@staff_required
def new_stage():
    return _stage_page(None)


@bp.route("/stages/<int:stage_id>", methods=["GET", "POST"])
@staff_required
def edit_stage(stage_id: int):
    return _stage_page(ensure_same_site(db.session.get(Stage, stage_id)))


def _stage_page(stage: Stage | None):
    form = _stage_form(stage)
    if form.validate_on_submit():
        try:
            service.save_stage(current_user, current_user.site_id, stage, name_zh=form.name_zh.data,
                               name_en=form.name_en.data, staff_id=form.staff_id.data or None,
                               target_days=form.target_days.data, evidence_required=form.evidence_required.data,
                               evidence_hint_zh=form.evidence_hint_zh.data,
                               evidence_hint_en=form.evidence_hint_en.data, checklist=form.checklist.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("The stage is saved."), "success")
            return redirect_to(url_for("shops.stages"))
    return render_form(form, "shops/stage_form.html", form=form, stage=stage)


@bp.route("/stages/<int:stage_id>/move", methods=["POST"])
@staff_required
def move_stage(stage_id: int):
    stage = ensure_same_site(db.session.get(Stage, stage_id))
    service.move_stage(current_user, stage, -1 if request.form.get("direction") == "up" else 1)
    return redirect_to(url_for("shops.stages"))


@bp.route("/stages/<int:stage_id>/delete", methods=["POST"])
@staff_required
def delete_stage(stage_id: int):
    stage = ensure_same_site(db.session.get(Stage, stage_id))
    try:
        service.delete_stage(current_user, stage)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("The stage is removed."), "success")
    return redirect_to(url_for("shops.stages"))


# --- Staff: support ledger ------------------------------------------------------------

def _support_form() -> SupportForm:
    form = SupportForm()
    shops = db.session.scalars(select(Shop).where(Shop.site_id == current_user.site_id).order_by(Shop.name))
    form.shop_id.choices = [(0, _("No shop: support to a person"))] + [(s.id, s.name) for s in shops]
    if request.method == "GET":
        form.given_on.data = reader_today()
        try:
            form.shop_id.data = int(request.args.get("shop", 0))
        except ValueError:
            form.shop_id.data = 0
    return form


@bp.route("/support", methods=["GET", "POST"])
@staff_required
def support():
    form = _support_form()
    if form.validate_on_submit():
        shop = ensure_same_site(db.session.get(Shop, form.shop_id.data)) if form.shop_id.data else None
        person = None
        try:
            if (form.person.data or "").strip():
                phone = normalise_phone(form.person.data)
                person = db.session.scalar(select(User).where(User.phone == phone)) if phone else None
                if person is None or person.site_id != current_user.site_id:
                    raise DomainError(_("Nobody of this base has this mobile number."), field="person")
            service.add_support(current_user, current_user.site_id, kind=form.kind.data, what=form.what.data,
                                amount_fen=yuan_to_fen(form.amount.data), given_on=form.given_on.data,
                                reason=form.reason.data, shop=shop, person=person)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("The support is recorded."), "success")
            return redirect_to(url_for("shops.support"))
    records = service.support_records(current_user.site_id)
    context = dict(form=form, records=records, totals=service.support_totals(records), **LABELS)
    return render_form(form, "shops/support.html", **context)
