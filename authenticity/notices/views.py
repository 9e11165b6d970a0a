"""Pages of notice and takedown: holders file and follow notices, officers decide listings."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from alliance.auth.roles import Role, public, role_required
from alliance.db import utcnow
from alliance.errors import FieldsInvalid
from alliance.i18n import current_language
from alliance.web import id_from, paginate, perform, query_text, show_problems
from authenticity.ip import services as rights
from authenticity.ip.models import RIGHT_TYPE_LABELS
from authenticity.notices import bp, services
from authenticity.notices.forms import DecisionForm, NoticeForm, QueueFilterForm, ReplyForm
from authenticity.notices.models import REGIME_STATEMENTS, ItemStatus

PER_PAGE = 50
HOLDERS = (Role.RIGHTS_HOLDER, Role.PUBLISHER)
DECISION_BUTTONS = {"remove": ItemStatus.REMOVED, "reject": ItemStatus.REJECTED,
                    "ask": ItemStatus.CLARIFICATION_REQUESTED}  # fmt: skip


def _offer_rights(form: NoticeForm, organisation) -> None:
    """Offer the organisation's rights that are verified and valid today."""
    language = current_language()
    form.right_id.choices = [SelectChoice("", _("Choose a verified right"))] + [
        SelectChoice(str(right.id), f"{right.title} · {RIGHT_TYPE_LABELS[right.right_type]}"
                     f" · {right.holder_name(language)}")
        for right in rights.verified_rights(organisation.id)
    ]  # fmt: skip


def _notice_values(form: NoticeForm) -> dict:
    return {
        "right_id": id_from(form.right_id.data or ""),
        "regime": form.regime.data,
        "items": services.parse_listings(form.listings.data, form.default_reason.data),
        "good_faith": form.good_faith.data,
        "accurate": form.accurate.data,
        "regime_statement": form.regime_statement.data,
        "signature": form.signature.data,
        "contact": form.contact.data,
    }


def _split(invalid: FieldsInvalid) -> tuple[dict, list]:
    """Part a refusal into the form's own fields and the listings' lines (number, field, text)."""
    fields, lines = {}, []
    for name, message in invalid.problems.items():
        if name and name.startswith("items."):
            _items, number, field = name.split(".")
            lines.append((int(number), field, message))
        else:
            fields[name] = message
    return fields, sorted(lines)


@bp.route("/")
@role_required(*HOLDERS)
def index():
    """List the organisation's notices, the newest first, each with its listings' statuses."""
    organisation = rights.filer_of(current_user)
    page = paginate(services.notices_of(organisation.id), PER_PAGE)
    return render_template(
        "notices/index.html",
        page=page,
        summaries=services.summaries([notice.id for notice in page.items]),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*HOLDERS)
def create():
    """File a notice naming up to 300 listings on one of the organisation's verified rights."""
    organisation = rights.filer_of(current_user)
    form = NoticeForm()
    _offer_rights(form, organisation)
    lines = []
    if form.validate_on_submit():
        values = None
        try:
            values = services.read_notice(current_user, _notice_values(form))
        except FieldsInvalid as invalid:
            fields, lines = _split(invalid)
            if fields:
                show_problems(FieldsInvalid(fields), form)
        if lines:
            form.listings.errors = [_("Correct the lines listed above the box.")]
        if values is not None:
            done = perform(lambda: services.file_notice(current_user, values), form)
            if done:
                flash(_("Notice %(n)s is sent: %(count)s listings wait for review.",
                        n=done.value.id, count=len(done.value.items)), "success")  # fmt: skip
                return redirect(url_for("notices.detail", notice_id=done.value.id))
    return render_template(
        "notices/create.html", form=form, lines=lines, statements=REGIME_STATEMENTS,
        has_rights=len(form.right_id.choices) > 1,
    )  # fmt: skip


@bp.route("/<int:notice_id>")
@role_required(*HOLDERS, Role.IP_OFFICER)
def detail(notice_id):
    """Show a notice: the summary, every listing with its status, reasons and timeline."""
    notice = services.own_notice(current_user, notice_id)
    officer = rights.is_officer(current_user)
    return render_template(
        "notices/detail.html",
        notice=notice,
        officer=officer,
        summary=services.summaries([notice.id])[notice.id],
        decision_form=DecisionForm() if officer else None,
        reply_form=ReplyForm(),
    )


@bp.route("/review")
@role_required(Role.IP_OFFICER)
def review():
    """The officers' queue of listings to decide, the longest-waiting first, filtered."""
    form = QueueFilterForm(request.args)
    form.validate()
    query = services.review_queue(
        reason_code=form.reason.data or None,
        right_type=form.right_type.data or None,
        merchant_id=query_text("merchant", 64),
    )
    return render_template(
        "notices/review.html",
        page=paginate(query, PER_PAGE),
        form=form,
        decision_form=DecisionForm(),
        now=utcnow(),
        target_hours=current_app.config["NOTICE_REVIEW_TARGET_HOURS"],
    )


@bp.route("/decide", methods=["POST"])
@role_required(Role.IP_OFFICER)
def decide():
    """Decide the listings ticked on the queue or a notice's page, all at once."""
    form = DecisionForm()
    item_ids = [number for v in request.form.getlist("item_id") if (number := id_from(v))]
    decision = next((to for name, to in DECISION_BUTTONS.items() if request.form.get(name)), None)
    back = request.form.get("back") or url_for("notices.review")
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("notices.review")
    if not item_ids:
        flash(_("Tick the listings to decide."), "danger")
    elif form.validate_on_submit():
        done = perform(
            lambda: services.decide_items(
                current_user, item_ids, decision, form.reason_code.data, form.reason.data
            )
        )
        if done:
            flash(_("%(n)s listings decided: the holders are told.", n=len(done.value)),
                  "success")  # fmt: skip
    return redirect(back)


@bp.route("/listings/<int:item_id>/reply", methods=["POST"])
@role_required(*HOLDERS)
def reply(item_id):
    """Answer an officer's question about a listing: it goes back to review."""
    item = services.own_item(current_user, item_id)
    form = ReplyForm()
    if form.validate_on_submit() and perform(
        lambda: services.reply(current_user, item, form.answer.data)
    ):
        flash(_("Your answer is sent: the listing is back under review."), "success")
    return redirect(url_for("notices.detail", notice_id=item.notice_id))


@bp.route("/statements")
@public
def statements():
    """Show the standard statements of a notice for each procedure, in both languages."""
    return render_template("notices/statements.html", statements=REGIME_STATEMENTS)
