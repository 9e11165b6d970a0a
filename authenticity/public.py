"""Public label verification pages: no session, no cache, rate-limited, codes never logged."""

from flask import current_app, make_response, render_template, request
from flask_babel import gettext as _

from alliance.auth.roles import public
from alliance.extensions import db, limiter
from authenticity import bp, verification
from authenticity.forms import VerifyForm
from authenticity.models import REVOKE_CATEGORY_LABELS


def per_ip_rate() -> str:
    """Return the per-address limit of verification requests (LABEL_VERIFY_RATE)."""
    return current_app.config["LABEL_VERIFY_RATE"]


def global_rate() -> str:
    """Return the limit shared by every reader (LABEL_VERIFY_GLOBAL_RATE)."""
    return current_app.config["LABEL_VERIFY_GLOBAL_RATE"]


# One scope for the pages and the API, so that switching between them gains nothing.
verify_limits = [
    limiter.shared_limit(per_ip_rate, scope="label-verify"),
    limiter.shared_limit(global_rate, scope="label-verify-all", key_func=lambda: "all"),
]


def limited(view):
    """Apply the verification rate limits (per address, and one global cap) to a view."""
    for rule in reversed(verify_limits):
        view = rule(view)
    return view


def no_store(response):
    """Forbid any cache from keeping a verification answer."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(form, verdict=None, code_given=False):
    response = make_response(
        render_template(
            "authenticity/verify.html",
            form=form,
            verdict=verdict,
            code_given=code_given,
            categories=REVOKE_CATEGORY_LABELS,
            clone_checks=current_app.config["LABEL_CLONE_CHECKS"],
        )
    )
    return no_store(response)


@bp.route("/verify")
@public
@limited
def verify():
    """Show the form to type a label's code, and the answer when one was typed."""
    form = VerifyForm(request.args)
    if "code" not in request.args:
        form = VerifyForm(formdata=None)
        return _page(form)
    if not form.validate():
        return _page(form)
    verdict = verification.verify(form.code.data, request.remote_addr)
    db.session.commit()
    return _page(form, verdict, code_given=True)


@bp.route("/verify/<path:code>")
@public
@limited
def verify_code(code):
    """Answer for the code a label's QR code opens."""
    form = VerifyForm(formdata=None, data={"code": code[:80]})
    verdict = verification.verify(code, request.remote_addr)
    db.session.commit()
    return _page(form, verdict, code_given=True)


def describe(verdict) -> tuple[str, str | None]:
    """Return what to tell a reader about a verdict, and what to do (translated)."""
    if verdict.status == verification.GENUINE:
        if verdict.clone_suspected:
            return (
                _("This code is registered, but it has been checked many times: this label "
                  "may have been copied."),
                _("If you bought this copy as new, keep the receipt, ask the seller for "
                  "proof of origin, and report the seller to the marketplace or the publisher."),
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
