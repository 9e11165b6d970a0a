"""Pages of the rights registry: holders register and correct rights, officers decide."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from alliance.auth.roles import Role, public, role_required
from alliance.db import utcnow
from alliance.extensions import db
from alliance.i18n import current_language, local_today
from alliance.web import paginate, perform, read_form, uploads_in
from authenticity.ip import bp, principals, services
from authenticity.ip.forms import DecisionForm, PrincipalForm, QueueFilterForm, RightForm
from authenticity.ip.models import RightStatus

PER_PAGE = 50
HOLDERS = (Role.RIGHTS_HOLDER, Role.PUBLISHER)
DECISIONS = {
    "verify": RightStatus.VERIFIED,
    "reject": RightStatus.REJECTED,
    "revoke": RightStatus.REVOKED,
}


def _offer_principals(form: RightForm, organisation) -> None:
    """Offer an agency the principals whose power of attorney is in force today."""
    if not services.is_agency(organisation):
        del form.principal
        return
    today = local_today()
    form.principal.choices = [SelectChoice("", _("Choose a principal"))] + [
        SelectChoice(str(p.id), p.display_name(current_language()))
        for p in db.session.scalars(principals.principals_of(organisation.id))
        if p.covers(today)
    ]


def _principal_id(form: RightForm):
    return getattr(form, "principal", None) and form.principal.data


@bp.route("/")
@role_required(*HOLDERS)
def index():
    """List the organisation's registered rights, the newest first, by status."""
    organisation = services.filer_of(current_user)
    status = request.args.get("status") or None
    if status not in {s.value for s in RightStatus}:
        status = None
    page = paginate(services.rights_of(organisation.id, status), PER_PAGE)
    return render_template(
        "ip/index.html",
        page=page,
        status=status,
        organisation=organisation,
        agency=services.is_agency(organisation),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*HOLDERS)
def create():
    """Register a right once, with its proof, for the officers to verify."""
    organisation = services.filer_of(current_user)
    form = RightForm()
    _offer_principals(form, organisation)
    if values := read_form(form, services.read_right):
        uploads = uploads_in(form.documents)
        if not uploads:
            form.documents.errors = [_("Upload at least one proof document.")]
        elif done := perform(
            lambda: services.register_right(
                current_user, values, uploads, principal_id=_principal_id(form)
            ),
            form,
        ):
            flash(_("The right is registered. An IP officer will verify it."), "success")
            return redirect(url_for("ip.detail", right_id=done.value.id))
    return render_template("ip/create.html", form=form, agency=services.is_agency(organisation))


@bp.route("/<int:right_id>")
@role_required(*HOLDERS, Role.IP_OFFICER)
def detail(right_id):
    """Show a right, its works, its proof, and its decision (officers decide here)."""
    right = services.own_right(current_user, right_id)
    officer = services.is_officer(current_user)
    return render_template(
        "ip/detail.html",
        right=right,
        officer=officer,
        decision_form=DecisionForm() if officer else None,
    )


@bp.route("/<int:right_id>/edit", methods=["GET", "POST"])
@role_required(*HOLDERS)
def edit(right_id):
    """Correct a right that waits or was rejected; a rejected one is sent again."""
    right = services.own_right(current_user, right_id)
    organisation = services.filer_of(current_user)
    form = RightForm(obj=right) if request.method == "GET" else RightForm()
    if request.method == "GET":
        form.isbns.data = "\n".join(right.isbns)
        form.work_titles.data = "\n".join(w.work_title for w in right.works if w.work_title)
    _offer_principals(form, organisation)
    if request.method == "GET" and getattr(form, "principal", None):
        form.principal.data = str(right.principal_id or "")
    form.submit.label.text = _("Send again") if right.status == RightStatus.REJECTED else _("Save")
    if values := read_form(form, services.read_right):
        removed = {int(v) for v in request.form.getlist("remove_document") if v.isdigit()}
        if perform(
            lambda: services.correct_right(
                current_user, right, values, uploads_in(form.documents), removed
            ),
            form,
        ):
            flash(_("The right is saved. An IP officer will verify it."), "success")
            return redirect(url_for("ip.detail", right_id=right.id))
    return render_template("ip/edit.html", form=form, right=right)


@bp.route("/<int:right_id>/decide", methods=["POST"])
@role_required(Role.IP_OFFICER)
def decide(right_id):
    """Verify, reject or revoke a right, with the reason the holder reads."""
    right = services.own_right(current_user, right_id)
    form = DecisionForm()
    decision = next((DECISIONS[name] for name in DECISIONS if request.form.get(name)), None)
    if form.validate_on_submit() and perform(
        lambda: services.decide_right(
            current_user, right, decision, form.reason_code.data, form.reason.data
        ),
        form,
    ):
        flash(_("Decision saved: the holder is told."), "success")
        return redirect(url_for("ip.review"))
    return render_template("ip/detail.html", right=right, officer=True, decision_form=form), 422


@bp.route("/review")
@role_required(Role.IP_OFFICER)
def review():
    """The officers' queue of rights waiting for verification, the longest-waiting first."""
    form = QueueFilterForm(request.args)
    right_type = form.right_type.data if form.validate() else None
    page = paginate(services.review_queue(right_type or None), PER_PAGE)
    return render_template("ip/review.html", page=page, form=form, now=utcnow())


@bp.route("/principals", methods=["GET", "POST"], endpoint="principals")
@role_required(Role.RIGHTS_HOLDER)
def principals_page():
    """List the principals the agency acts for, and add one with its power of attorney."""
    organisation = services.filer_of(current_user)
    form = PrincipalForm()
    if values := read_form(form, principals.read_principal):
        upload = next(iter(uploads_in(form.power_of_attorney)), None)
        if perform(lambda: principals.add_principal(current_user, values, upload), form):
            flash(_("%(name)s is added.", name=values["name"]), "success")
            return redirect(url_for("ip.principals"))
    page = paginate(principals.principals_of(organisation.id), PER_PAGE)
    return render_template(
        "ip/principals.html",
        form=form,
        page=page,
        today=local_today(),
        agency=services.is_agency(organisation),
    )


@bp.route("/guide")
@public
def guide():
    """Explain, step by step, how to register a right, with the common mistakes."""
    return render_template("ip/guide.html")
