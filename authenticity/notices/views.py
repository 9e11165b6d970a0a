"""Pages of notice and takedown: holders file and follow notices, officers decide listings."""

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from alliance.auth.roles import Role, public, role_required
from alliance.db import utcnow
from alliance.errors import FieldsInvalid
from alliance.i18n import current_language, local_today
from alliance.tabular import attachment_header, csv_response
from alliance.web import (
    Imported,
    id_from,
    paginate,
    perform,
    query_text,
    run_import,
    show_problems,
    uploads_in,
)
from authenticity.ip import services as rights
from authenticity.ip.models import RIGHT_TYPE_LABELS
from authenticity.notices import bp, counter, importing, merchants, services
from authenticity.notices.forms import (
    ROWS_ADDED,
    CounterNoticeForm,
    DecisionForm,
    HolderAnswerForm,
    MerchantForm,
    NoticeForm,
    QueueFilterForm,
    ReplyForm,
)
from authenticity.notices.models import ITEM_STATUS_LABELS, REGIME_STATEMENTS, ItemStatus

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


def _typed_rows(form: NoticeForm) -> list[dict]:
    """Return the listings typed into the form's rows (empty rows left out)."""
    default = form.default_reason.data
    return [
        {**row.data, "reason_code": row.reason_code.data or default}
        for row in form.rows
        if row.form.typed()
    ]


def _notice_values(form: NoticeForm) -> dict:
    return {
        "right_id": id_from(form.right_id.data or ""),
        "regime": form.regime.data,
        "items": _typed_rows(form)
        + services.parse_listings(form.listings.data, form.default_reason.data),
        "good_faith": form.good_faith.data,
        "accurate": form.accurate.data,
        "regime_statement": form.regime_statement.data,
        "signature": form.signature.data,
        "contact": form.contact.data,
    }


def _split(invalid: FieldsInvalid, rows: int) -> tuple[dict, list]:
    """Part a refusal into the form's own fields and the listings' problems: (where, field,
    text), where is ("row", n) for the n-th typed row, ("line", n) for a pasted line."""
    fields, lines = {}, []
    for name, message in invalid.problems.items():
        if name and name.startswith("items."):
            _items, number, field = name.split(".")
            number = int(number)
            where = ("row", number) if number <= rows else ("line", number - rows)
            lines.append((where, field, message))
        else:
            fields[name] = message
    return fields, sorted(lines, key=lambda line: (line[0][0] == "line", line[0][1]))


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
    lines, imported = [], Imported()
    if form.is_submitted() and form.add_rows.data:
        for _row in range(ROWS_ADDED):
            form.rows.append_entry()
    elif form.validate_on_submit():
        sheet = form.file.data if form.file.data and form.file.data.filename else None
        if sheet and ((form.listings.data or "").strip() or _typed_rows(form)):
            form.listings.errors = [
                _("Give the listings either in a file, or in the rows and the box, not both.")
            ]
        elif sheet:
            imported = _file_from_sheet(form)
            if result := imported.result:
                return _filed(result.notice_id, result.listings)
        else:
            lines, done = _file_from_lines(form)
            if done:
                return _filed(done.value.id, len(done.value.items))
    return render_template(
        "notices/create.html",
        form=form,
        lines=lines,
        statements=REGIME_STATEMENTS,
        has_rights=len(form.right_id.choices) > 1,
        report=imported.report,
        problems=imported.problems[:500],
        problem_count=len(imported.problems),
    )


def _file_from_lines(form: NoticeForm):
    """File the notice whose listings are the box's lines; the lines' problems, or what was done."""
    try:
        values = services.read_notice(current_user, _notice_values(form))
    except FieldsInvalid as invalid:
        fields, lines = _split(invalid, len(_typed_rows(form)))
        if fields:
            show_problems(FieldsInvalid(fields), form)
        if lines:
            form.listings.errors = [_("Correct the rows and lines listed above.")]
        return lines, None
    evidence = uploads_in(form.evidence)
    return [], perform(lambda: services.file_notice(current_user, values, evidence), form)


def _file_from_sheet(form: NoticeForm) -> Imported:
    """File the notice whose listings are the uploaded spreadsheet's rows (all or none)."""
    values = {**_notice_values(form), "default_reason": form.default_reason.data}
    try:
        services.read_notice_fields(current_user, values)
    except FieldsInvalid as invalid:
        show_problems(invalid, form)
        return Imported()
    evidence = uploads_in(form.evidence)
    return run_import(
        form,
        lambda data, name: importing.file_from_sheet(current_user, values, data, name, evidence),
    )


def _filed(notice_id: int, listings: int):
    flash(_("Notice %(n)s is sent: %(count)s listings wait for review.", n=notice_id,
            count=listings), "success")  # fmt: skip
    return redirect(url_for("notices.detail", notice_id=notice_id))


@bp.route("/template.csv")
@role_required(*HOLDERS)
def template():
    """Download an empty spreadsheet of listings, with the columns a notice reads."""
    return csv_response("notice-listings.csv", importing.HEADER, [])


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
        answer_form=HolderAnswerForm(),
        today=local_today(),
    )


@bp.route("/review")
@role_required(Role.IP_OFFICER)
def review():
    """The officers' queue of listings to decide, the longest-waiting first, filtered."""
    form = QueueFilterForm(request.args)
    form.holder.choices = [SelectChoice("", _("All holders"))] + [
        SelectChoice(str(o.id), o.display_name(current_language()))
        for o in services.holders_waiting()
    ]
    form.validate()
    query = services.review_queue(
        reason_code=form.reason.data or None,
        right_type=form.right_type.data or None,
        merchant_id=query_text("merchant", 64),
        organisation_id=id_from(form.holder.data or ""),
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


@bp.route("/statements.txt")
@public
def statements_text():
    """Download the standard statements, in the reader's language, to keep or adapt."""
    text = render_template("notices/statements.txt", statements=REGIME_STATEMENTS)
    response = Response(text, content_type="text/plain; charset=utf-8")
    response.headers["Content-Disposition"] = attachment_header(
        f"notice-statements-{current_language()}.txt"
    )
    return response


@bp.route("/listings/<int:item_id>/answer", methods=["POST"])
@role_required(*HOLDERS)
def answer(item_id):
    """Answer a merchant's counter-notice: a complaint or suit filed, or withdraw."""
    item = services.own_item(current_user, item_id)
    form = HolderAnswerForm()
    if form.validate_on_submit():
        done = perform(
            lambda: counter.answer_counter_notice(
                current_user, item, form.action.data, uploads_in(form.proof)
            )
        )
        if done:
            flash(_("Your answer is recorded: the listing is now “%(status)s”.",
                    status=ITEM_STATUS_LABELS[item.status]), "success")  # fmt: skip
    return redirect(url_for("notices.detail", notice_id=item.notice_id))


@bp.route("/against-you")
@role_required(Role.MERCHANT)
def merchant_index():
    """List the notices' listings against the merchant organisation, the newest first."""
    organisation = merchants.acting_merchant(current_user)
    status = request.args.get("status") or None
    if status not in ITEM_STATUS_LABELS:
        status = None
    page = paginate(merchants.items_against(organisation.id, status), PER_PAGE)
    return render_template(
        "notices/merchant_index.html", page=page, status=status,
        merchant_ids=merchants.merchant_ids_of(organisation.id),
    )  # fmt: skip


@bp.route("/against-you/<int:item_id>", methods=["GET", "POST"])
@role_required(Role.MERCHANT)
def merchant_detail(item_id):
    """Show a listing named in a notice, its grounds and holder; counter-notice a removal."""
    item = merchants.own_listing(current_user, item_id)
    form = CounterNoticeForm()
    if item.status == ItemStatus.REMOVED and form.validate_on_submit():
        values = {name: getattr(form, name).data for name in
                  ("statement", "contact", "accept_jurisdiction", "signature")}  # fmt: skip
        if perform(
            lambda: counter.file_counter_notice(
                current_user, item, values, uploads_in(form.evidence)
            ),
            form,
        ):
            flash(_("Your counter-notice is sent. The rights holder has until %(day)s to answer.",
                    day=item.counter_notice.holder_deadline.isoformat()), "success")  # fmt: skip
            return redirect(url_for("notices.merchant_detail", item_id=item.id))
    until = counter.counter_notice_until(item) if item.status == ItemStatus.REMOVED else None
    return render_template(
        "notices/merchant_detail.html", item=item, form=form, until=until, today=local_today()
    )


@bp.route("/merchants", methods=["GET", "POST"], endpoint="merchants")
@role_required(Role.IP_OFFICER)
def merchants_page():
    """Link marketplace merchant ids to their names and merchant organisations."""
    form = MerchantForm()
    form.organisation_id.choices = [SelectChoice("", _("Not a member organisation"))] + [
        SelectChoice(str(o.id), o.display_name(current_language()))
        for o in merchants.merchant_organisations()
    ]
    if form.validate_on_submit() and perform(
        lambda: merchants.set_merchant(
            current_user, form.merchant_id.data, form.name.data,
            id_from(form.organisation_id.data or ""),
        ),
        form,
    ):  # fmt: skip
        flash(_("Merchant %(id)s is saved.", id=form.merchant_id.data), "success")
        return redirect(url_for("notices.merchants"))
    page = paginate(merchants.merchants(), PER_PAGE)
    return render_template("notices/merchants.html", form=form, page=page)


@bp.route("/guide/<any(filing, answering):topic>")
@public
def guide(topic):
    """Explain step by step how to file a notice, or how to answer one, with common mistakes."""
    return render_template(f"notices/guide_{topic}.html")
