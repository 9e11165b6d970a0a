"""Public label verification pages (/verify): no session, no cache, rate-limited, codes unlogged;
and the form where a reader reports the seller of a label that may have been copied."""

import functools

from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from werkzeug.exceptions import TooManyRequests

from alliance.auth.roles import public
from alliance.extensions import limiter
from alliance.plugins import sessionless
from alliance.web import perform
from authenticity.labels import codes, reports, verification
from authenticity.labels.forms import ReportForm, VerifyForm
from authenticity.labels.models import REVOKE_CATEGORY_LABELS

# Anyone checks a label here: a blueprint of its own, apart from the publishers' label pages.
bp = Blueprint("verify", __name__, url_prefix="/verify")


def limited(view):
    """Count a view's requests against the verification rate limits (shared with the API)."""

    @functools.wraps(view)
    def counted(*args, **kwargs):
        wait = current_app.extensions["label_limits"].wait(request.remote_addr)
        if wait:
            raise TooManyRequests(retry_after=wait)
        return view(*args, **kwargs)

    return counted


def no_store(response):
    """Forbid any cache from keeping a verification answer."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(form, verdict=None, code_given=False):
    response = make_response(
        render_template(
            "verify/index.html",
            form=form,
            verdict=verdict,
            code_given=code_given,
            categories=REVOKE_CATEGORY_LABELS,
            clone_checks=current_app.config["LABEL_CLONE_CHECKS"],
        )
    )
    return no_store(response)


@bp.route("")
@sessionless
@public
@limited
def index():
    """Show the form to type a label's code, and the answer when one was typed."""
    form = VerifyForm(request.args)
    if "code" not in request.args:
        form = VerifyForm(formdata=None)
        return _page(form)
    if not form.validate():
        return _page(form)
    verdict = verification.label_checks().verify(form.code.data, request.remote_addr)
    return _page(form, verdict, code_given=True)


@bp.route("/<path:code>")
@sessionless
@public
@limited
def detail(code):
    """Answer for the code a label's QR code opens."""
    form = VerifyForm(formdata=None, data={"code": code[:80]})
    verdict = verification.label_checks().verify(code, request.remote_addr)
    return _page(form, verdict, code_given=True)


def _report_rate() -> str:
    return current_app.config["LABEL_REPORT_RATE"]


@bp.route("/report", methods=["GET", "POST"])
@public
@limiter.limit(_report_rate, methods=["POST"])
def report():
    """Let a reader say where they bought a copy whose label may have been copied."""
    form = ReportForm()
    if request.method == "GET":
        form = ReportForm(formdata=None, data={"code": request.args.get("code", "")[:80]})
    status = 200
    if not codes.parse(form.code.data or "").valid:
        form = None  # no code to report (the page says to check the label first)
        status = 404
    elif form.validate_on_submit() and perform(
        lambda: reports.report_seller(form.code.data, form.place.data, form.contact.data), form
    ):
        return redirect(url_for("verify.report_sent"))
    elif form.is_submitted():
        status = 422
    response = make_response(render_template("verify/report.html", form=form), status)
    return no_store(response)


@bp.route("/report/sent")
@sessionless
@public
def report_sent():
    """Thank a reader for a report."""
    return render_template("verify/report_sent.html")


def describe(verdict, _=gettext) -> tuple[str, str | None]:
    """Return what to tell a reader about a verdict, and what to do, translated by `_`."""
    if verdict.status == verification.GENUINE:
        if verdict.clone_suspected:
            return (
                _("This code is registered, but it has been checked many times: this label "
                  "may have been copied."),
                _("If you bought this copy as new, keep the receipt, ask the seller for "
                  "proof of origin, and report the seller to the marketplace or the publisher."),
            )  # fmt: skip
        if not verdict.seller_authorised:
            return (
                _("Genuine: this label was issued by the publisher."),
                # (`_` may be a catalogue's own gettext, which takes no values: % fills them)
                _("The publisher no longer authorises %(seller)s to sell its books. A copy "
                  "sold before then can still be genuine; ask the seller when this copy was "
                  "bought.") % {"seller": verdict.seller},
            )  # fmt: skip
        return _("Genuine: this label was issued by the publisher."), None
    if verdict.status == verification.REVOKED:
        return (
            _("This label has been revoked by the publisher."),
            _("Do not rely on this label. Ask the seller about this copy, or contact the "
              "publisher."),
        )  # fmt: skip
    if verdict.typo_suspected:
        return (
            _("We could not find this code. Please check for typing mistakes."),
            _("Compare each character with the label; the letters I, L and O read as 1, 1 and 0."),
        )
    return (
        _("We could not find this code."),
        _("Check the code for typing mistakes. If it is right, this label was not issued by "
          "an alliance publisher: the copy may not be genuine."),
    )  # fmt: skip
