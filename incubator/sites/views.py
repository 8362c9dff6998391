from flask import Blueprint, flash, url_for
from flask_babel import gettext as _

from incubator.auth import admin_required
from incubator.errors import DomainError
from incubator.extensions import db
from incubator.sites import service
from incubator.sites.forms import SiteForm
from incubator.sites.models import Site
from incubator.web import apply_errors, redirect_to, render, render_form

bp = Blueprint("sites", __name__, url_prefix="/admin/sites")


@bp.route("/")
@admin_required
def index():
    return render("sites/index.html", sites=service.all_sites())


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:site_id>", methods=["GET", "POST"])
@admin_required
def edit(site_id: int | None = None):
    site = db.get_or_404(Site, site_id) if site_id else None
    form = SiteForm(obj=site)
    if form.validate_on_submit():
        try:
            service.save_site(site, name=form.name.data, address=form.address.data,
                              timezone=form.timezone.data, description=form.description.data,
                              contact_phone=form.contact_phone.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("The base is saved."), "success")
            return redirect_to(url_for("sites.index"))
    return render_form(form, "sites/edit.html", form=form, site=site)
