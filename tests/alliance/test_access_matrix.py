"""Every route, for anonymous visitors and every role, allows or denies as this table says.

A route missing from the table fails the test: adding a page means deciding who may use it.
"""

import pytest
from werkzeug.routing import IntegerConverter

from alliance.api.services import create_api_key
from alliance.auth.roles import Role

PUBLIC = "public"
ANY_USER = "any user"
ANY_KEY = "any API key"
ROLES = [role.value for role in Role]

EXPECTED = {
    "static": PUBLIC,
    "bootstrap.static": PUBLIC,
    "api-docs.openapi_json": PUBLIC,
    "main.index": PUBLIC,
    "main.healthz": PUBLIC,
    "main.readyz": PUBLIC,
    "auth.login": PUBLIC,
    "auth.register": PUBLIC,
    "auth.confirm_registration": PUBLIC,
    "auth.forgot_password": PUBLIC,
    "auth.open_reset_link": PUBLIC,
    "auth.reset_password": PUBLIC,
    "auth.reset_by_code": PUBLIC,
    "auth.logout": ANY_USER,
    "auth.change_password": ANY_USER,
    "auth.profile": ANY_USER,
    "api.index": ANY_USER,
    "api.revoke": ANY_USER,
    "admin.users": {"admin"},
    "admin.create_user": {"admin"},
    "admin.edit_user": {"admin"},
    "admin.audit": {"admin"},
    "admin.audit_export": {"admin"},
    "account_api.get_me": ANY_KEY,
    "jobs.index": ANY_USER,
    "jobs.detail": ANY_USER,  # another's job is a 404, which counts as allowed here
    "jobs.status": ANY_USER,
    "jobs.retry": ANY_USER,
    "jobs_api.get_job": ANY_KEY,
    "notifications.index": ANY_USER,
    "notifications.open_notification": ANY_USER,
    "notifications.mark_all_read": ANY_USER,
    "notifications.settings": ANY_USER,
    "files.detail": ANY_USER,
    "webhooks.index": {"admin"},
    "webhooks.detail": {"admin"},  # an unknown event is a 404, which counts as allowed here
    "webhooks.resend": {"admin"},
    "members.index": PUBLIC,
    "members.detail": PUBLIC,
    "members.apply": ANY_USER,
    "members.applications": {"admin"},
    "members.decide": {"admin"},
    "members.edit": ANY_USER,  # a 404 for outsiders, which counts as allowed here
    "catalogue.index": ANY_USER,
    "catalogue.detail": ANY_USER,
    "catalogue.export": ANY_USER,
    "catalogue.create": {"publisher"},
    "catalogue.edit": {"publisher"},
    "catalogue.change_status": {"publisher"},
    "catalogue.import_titles": {"publisher"},
    "catalogue.import_report": {"publisher"},
    "catalogue.import_template": {"publisher"},
    "catalogue_api.list_titles": ANY_KEY,
    "catalogue_api.get_title": ANY_KEY,
    "catalogue_api.create_title": ("api", {"publisher"}),
    "catalogue_api.update_title": ("api", {"publisher"}),
    "catalogue_api.import_titles": ("api", {"publisher"}),
    "campaigns.index": ANY_USER,
    "campaigns.detail": ANY_USER,
    "campaigns.create": {"campaign_staff"},
    "campaigns.edit": {"campaign_staff"},
    "campaigns.status": {"campaign_staff"},
    "enrolments.create": {"publisher"},
    "enrolments.withdraw": {"publisher"},
    "enrolments.import": {"publisher"},
    "enrolments.import_template": {"publisher"},
    "enrolments.index": {"campaign_staff"},
    "enrolments.detail": {"campaign_staff"},
    "allocation.proposal": {"campaign_staff"},
    "campaigns_api.create_campaign": ("api", {"campaign_staff"}),
    "campaigns_api.list_campaigns": ANY_KEY,
    "campaigns_api.get_campaign": ANY_KEY,
    "campaigns_api.change_campaign_status": ("api", {"campaign_staff"}),
    "campaigns_api.enrol_title": ("api", {"publisher"}),
    "campaigns_api.list_enrolments": ("api", {"campaign_staff", "publisher"}),
    "campaigns_api.decide_enrolment": ("api", {"campaign_staff"}),
    "campaigns_api.allocate_subsidy": ("api", {"campaign_staff"}),
    "reports.dashboard": {"campaign_staff"},
    "reports.chart": {"campaign_staff"},
    "reports.mine": {"publisher"},
    "reports.export_enrolments": {"campaign_staff", "publisher"},
    "reports.export_allocations": {"campaign_staff", "publisher"},
    "reports.export_ledger": {"campaign_staff", "publisher"},
    "verify.index": PUBLIC,
    "verify.detail": PUBLIC,
    "verify.report": PUBLIC,
    "verify.report_sent": PUBLIC,
    "sellers.index": {"publisher"},
    "sellers.revoke": {"publisher"},
    "sellers.import": {"publisher"},
    "sellers.export": {"publisher"},
    "labels.index": {"publisher"},
    "labels.detail": {"publisher"},
    "labels.codes": {"publisher"},
    "labels.sheet": {"publisher"},
    "labels.seal": {"publisher"},
    "labels.resume": {"publisher"},
    "labels.revoke": {"publisher"},
    "labels.revoke_code": {"publisher"},
    "labels.reports_index": {"ip_officer"},
    "authorisations_api.list_authorisations": ("api", {"publisher"}),
    "authorisations_api.create_authorisation": ("api", {"publisher"}),
    "authorisations_api.revoke_authorisation": ("api", {"publisher"}),
    "authorisations_api.check_authorisation": ANY_KEY,
    "label_batches_api.create_batch": ("api", {"publisher"}),
    "label_batches_api.get_batch": ("api", {"publisher"}),
    "label_batches_api.list_batch_codes": ("api", {"publisher"}),
    "label_batches_api.seal_batch": ("api", {"publisher"}),
    "label_batches_api.resume_batch": ("api", {"publisher"}),
    "label_batches_api.revoke_batch": ("api", {"publisher"}),
    "ip.index": {"rights_holder", "publisher"},
    "ip.create": {"rights_holder", "publisher"},
    "ip.detail": {"rights_holder", "publisher", "ip_officer"},  # another's right: a 404
    "ip.edit": {"rights_holder", "publisher"},
    "ip.decide": {"ip_officer"},
    "ip.review": {"ip_officer"},
    "ip.principals": {"rights_holder"},
    "ip.guide": PUBLIC,
    "ip_rights_api.register_right": ("api", {"rights_holder", "publisher"}),
    "ip_rights_api.add_proof_document": ("api", {"rights_holder", "publisher"}),
    "ip_rights_api.list_rights": ("api", {"rights_holder", "publisher", "ip_officer"}),
    "ip_rights_api.get_right": ("api", {"rights_holder", "publisher", "ip_officer"}),
    "ip_rights_api.decide_right": ("api", {"ip_officer"}),
    "notices.index": {"rights_holder", "publisher"},
    "notices.create": {"rights_holder", "publisher"},
    "notices.detail": {"rights_holder", "publisher", "ip_officer"},  # another's: a 404
    "notices.review": {"ip_officer"},
    "notices.decide": {"ip_officer"},
    "notices.reply": {"rights_holder", "publisher"},  # another's listing: a 404
    "notices.statements": PUBLIC,
    "notices.statements_text": PUBLIC,
    "notices.template": {"rights_holder", "publisher"},
    "notices.guide": PUBLIC,
    "notices.answer": {"rights_holder", "publisher"},  # another's listing: a 404
    "notices.merchant_index": {"merchant"},
    "notices.merchant_detail": {"merchant"},  # a listing not against them: a 404
    "notices.merchants": {"ip_officer"},
    "notice_items_api.file_counter_notice": ("api", {"merchant"}),
    "notice_items_api.add_listing_document": ("api", {"merchant", "rights_holder", "publisher"}),
    "notice_items_api.answer_counter_notice": ("api", {"rights_holder", "publisher"}),
    "merchants_api.set_merchant": ("api", {"ip_officer", "marketplace"}),
    "notices_api.file_notice": ("api", {"rights_holder", "publisher"}),
    "notices_api.list_notices": ("api", {"rights_holder", "publisher", "ip_officer"}),
    "notices_api.get_notice": ("api", {"rights_holder", "publisher", "ip_officer"}),
    "notice_items_api.decide_item": ("api", {"ip_officer"}),
    "notice_items_api.answer_question": ("api", {"rights_holder", "publisher"}),
    "sales.index": {"publisher", "campaign_staff"},
    "sales.create": {"publisher"},
    "sales.edit": {"publisher"},
    "sales.import": {"publisher"},
    "sales.import_template": {"publisher"},
    "sales.livestreams": {"publisher", "campaign_staff"},
    "sales.record_livestream": {"publisher"},
    "campaign_sales_api.report_sale": ("api", {"publisher"}),
    "campaign_sales_api.list_sales": ("api", {"publisher", "campaign_staff"}),
}

SAMPLE_VALUES = {
    "filename": "app.css",
    "token": "not-a-token",
    "file_format": "csv",
    "sheet_format": "pdf",
    "topic": "filing",
}


def sample_url(rule) -> str:
    values = {}
    for argument in rule.arguments:
        number = isinstance(rule._converters[argument], IntegerConverter)
        values[argument] = SAMPLE_VALUES.get(argument, 999999 if number else "x")
    return rule.build(values, append_unknown=False)[1]


def routes(app):
    # Log-out ends the session, so it is tried last.
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint == "auth.logout"):
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS", "HEAD"})[0]
        yield rule.endpoint, method, sample_url(rule)


def test_every_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - EXPECTED.keys() == set(), "add the new routes to EXPECTED"
    assert EXPECTED.keys() - endpoints == set(), "remove routes that no longer exist"


def allowed(expectation, role) -> bool:
    if expectation == PUBLIC:
        return True
    if role is None:
        return False
    if expectation in (ANY_USER, ANY_KEY):
        return True
    if isinstance(expectation, tuple):  # ("api", roles): a key whose user holds one of roles
        return role in expectation[1]
    return role in expectation


def needs_key(expectation) -> bool:
    return expectation == ANY_KEY or isinstance(expectation, tuple)


@pytest.mark.parametrize("role", [None, *ROLES])
def test_access_matrix(app, make_user, make_org, db, role, ctx, log_in):
    user = make_user(*([role] if role else []))
    if role in ("publisher", "rights_holder", "merchant"):  # pages of their organisation
        user.organisation = make_org(kind=role)
        db.session.commit()
    _record, key = create_api_key(user, "matrix")
    client = app.test_client()
    if role:
        log_in(client, user)
    failures = []
    for endpoint, method, url in routes(app):
        expectation = EXPECTED[endpoint]
        headers = {"Authorization": f"Bearer {key}"} if needs_key(expectation) and role else {}
        response = client.open(url, method=method, headers=headers)
        location = response.headers.get("Location", "")
        denied = response.status_code in (401, 403) or (
            response.status_code == 302 and "/auth/login?next=" in location
        )
        if denied == allowed(expectation, role):
            failures.append((endpoint, method, url, response.status_code, location))
    assert failures == []


def test_a_view_without_a_rule_stops_the_app():
    from flask import Flask

    from alliance.app import _check_every_view_is_guarded
    from alliance.auth.roles import public

    app = Flask(__name__)
    app.add_url_rule("/open", view_func=public(lambda: "fine"), endpoint="open")
    _check_every_view_is_guarded(app)
    app.add_url_rule("/forgotten", view_func=lambda: "oops", endpoint="forgotten")
    with pytest.raises(RuntimeError, match="forgotten"):
        _check_every_view_is_guarded(app)
