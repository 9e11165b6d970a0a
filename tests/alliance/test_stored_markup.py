"""Users' text is only ever text: markup planted in every stored text field never runs.

Markup goes into every text column through the services (as users would), then every role
crawls the site from the home page and every route: no page may carry it as HTML, and the
pages that show those fields must show it escaped. Reflected input gets the same check.
"""

import io
import json
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from sqlalchemy import JSON, String, select
from stdnum import ean
from werkzeug.exceptions import HTTPException

from alliance.api.services import create_api_key
from alliance.auth import services as accounts
from alliance.auth.models import User
from alliance.catalogue import services as catalogue
from alliance.catalogue.rules import read_title
from alliance.db import utcnow
from alliance.extensions import limiter
from alliance.files.services import Upload
from alliance.i18n import local_today
from alliance.importing import ImportReport
from alliance.members import services as members
from alliance.webhooks import delivery as webhooks
from alliance.webhooks.services import queue_event
from authenticity.ip import principals
from authenticity.ip import services as rights
from authenticity.labels import reports as label_reports
from authenticity.labels import services as labels
from authenticity.notices import counter, merchants
from authenticity.notices import services as notices
from authenticity.sellers import services as sellers
from campaigns import ledger
from campaigns import services as campaigns
from campaigns.enrolments import services as enrolling
from campaigns.sales import livestreams
from campaigns.sales import services as sales

PASSWORD = "correct horse battery staple"  # the factories' users
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PLANT = "\"'><b data-planted>x</b><script>planted()</script>"
PLANT_ZH = "\"'><b data-planted>图书</b><script>planted('联盟')</script>"
WEBSITE = "https://example.org/\"'><script>planted()</script>"  # no spaces: a valid address
RAW = ("<b data-planted", "<script>planted")
ESCAPED = ("&lt;b data-planted&gt;", "&lt;script&gt;planted(")
# Users' names get their own mark (every page shows its reader's name), naming the role.
NAME = "\"'><b data-planted-name>{role}</b><script>planted_name()</script>"
ESCAPED_NAME = "&lt;b data-planted-name&gt;{role}&lt;/b&gt;"
DOUBLE_ESCAPED = "&amp;lt;b data-planted"  # users would read "&lt;b" on the page
QUOTES_RAW = "\"'&gt;"  # markup escaped but quotes not: an attribute could be broken out of
# Types a browser never renders as a page, so stored text may appear in them as it is.
NOT_RENDERED = {
    "text/csv", "application/json", "application/problem+json", "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}  # fmt: skip
PAGES_PER_CRAWL = 300
VARIANTS_PER_PATH = 4  # the same page with other filters or page numbers

# Text columns that cannot hold a user's markup, and why. Every other String, Text or JSON
# column must hold the planted text after planting, so a new text column fails this test.
NOT_PLANTED = {
    **dict.fromkeys([  # a value from a fixed list
        ("organisation", "kind"), ("organisation", "status"), ("user", "locale"),
        ("user_role", "role"), ("title", "format"), ("title", "status"), ("contributor", "role"),
        ("campaign", "status"), ("enrolment", "status"), ("enrolment", "reason_code"),
        ("ledger_entry", "kind"), ("sale", "channel"), ("label_batch", "status"),
        ("label_batch", "revoke_category"), ("label", "revoke_category"),
        ("webhook_event", "status"),
    ], "a choice"),
    **dict.fromkeys([  # written by the code, never from input
        ("one_time_code", "purpose"), ("api_key", "prefix"), ("api_key", "key_hash"),
        ("user", "password_hash"), ("audit_event", "action"),
        ("audit_event", "entity_type"), ("audit_event", "entity_id"),
        ("job", "kind"), ("job", "status"), ("job", "language"), ("job", "stage"),
        ("job", "error"), ("job", "result"), ("notification", "kind"),
        ("notification_setting", "kind"), ("stored_file", "key"), ("stored_file", "use"),
        ("stored_file", "content_type"), ("webhook_event", "delivery_id"),
        ("webhook_event", "lease_token"),
    ], "generated"),
    ("notification", "params"): "a finished job's ids and status (kinds with users' text: plant)",
    ("job", "problems"): "the title import names rows and columns, never a cell's value",
    ("organisation", "uscc"): "a unified social credit code, checked by python-stdnum",
    ("seller_authorisation", "merchant_uscc"): "a unified social credit code, checked",
    ("organisation", "contact_email"): "an address email-validator accepts: no < > or spaces",
    ("organisation", "contact_phone"): "a number phonenumbers accepts, stored as E.164",
    ("user", "email"): "a login: a checked address",
    ("user", "mobile"): "a login: a checked +86 number",
    ("one_time_code", "login"): "a checked login",
    ("audit_event", "actor_label"): "the actor's checked login",
    ("audit_event", "request_id"): "generated, or an incoming id matching [A-Za-z0-9._-]",
    ("user", "timezone"): "one of the profile form's zones",
    ("title", "isbn"): "a checked ISBN-13",
    ("title", "language"): "a code matching [a-z]{2,3}",
    ("title", "clc_class"): "a CLC class matching its pattern",
    ("title", "thema_code"): "a Thema code matching its pattern",
    ("campaign", "categories"): "CLC classes, checked by the form and the API",
    ("campaign", "category_weights"): "numbers by CLC class",
    ("enrolment", "category"): "one of the campaign's CLC classes",
    ("seller_authorisation", "merchant_id"): "matches [A-Za-z0-9_.:-]",
    **dict.fromkeys([
        ("ip_right", "right_type"), ("ip_right", "status"), ("ip_right", "reason_code"),
        ("notice", "regime"), ("notice_item", "status"), ("notice_item", "reason_code"),
        ("notice_item", "decision_code"), ("notice_item_event", "status"),
        ("notice_item_event", "by"), ("notice_item_event", "code"),
        ("counter_notice", "holder_action"), ("notice_document", "party"),
    ], "a choice"),
    **dict.fromkeys([("notice_item", "listing_id"), ("notice_item", "merchant_id"),
                     ("merchant", "merchant_id")], "matches [A-Za-z0-9_.:-]"),
    ("notice_item", "isbn"): "a checked ISBN-13",
    ("ip_right_work", "isbn"): "a checked ISBN-13",
    ("ip_right", "registration_number"): "letters, digits and . / - only",
}  # fmt: skip
# Pages where a role must see the planted text, escaped: the test cannot pass by showing none.
MUST_SHOW = {
    ("applicant", "main.index"), ("rejected", "main.index"), ("suspended", "main.index"),
    ("publisher", "main.index"), ("anonymous", "members.index"), ("anonymous", "members.detail"),
    ("rival", "catalogue.index"), ("rival", "catalogue.detail"), ("publisher", "catalogue.detail"),
    ("publisher", "members.detail"), ("publisher", "reports.mine"),
    ("publisher", "sellers.index"), ("publisher", "labels.index"),
    ("publisher", "labels.detail"), ("publisher", "sales.livestreams"),
    ("publisher", "api.index"), ("staff", "campaigns.index"), ("staff", "campaigns.detail"),
    ("staff", "enrolments.index"), ("staff", "enrolments.detail"),
    ("staff", "sales.index"), ("admin", "admin.audit"), ("admin", "admin.users"),
    ("admin", "members.applications"), ("admin", "members.detail"),
    ("anonymous", "verify.detail"), ("rights", "ip.index"), ("rights", "ip.detail"),
    ("rights", "ip.principals"), ("rights", "notices.index"), ("rights", "notices.detail"),
    ("ip_officer", "ip.review"), ("ip_officer", "ip.detail"), ("ip_officer", "notices.review"),
    ("ip_officer", "notices.detail"), ("ip_officer", "notices.merchants"),
    ("merchant", "notices.merchant_detail"), ("admin", "webhooks.index"),
    ("admin", "webhooks.detail"), ("ip_officer", "labels.reports_index"),
}  # fmt: skip
# The same in Chinese: the translated messages carry the values too.
ZH_MUST_SHOW = {
    ("applicant", "main.index"), ("rejected", "main.index"), ("publisher", "main.index"),
    ("publisher", "reports.mine"), ("anonymous", "members.index"), ("admin", "admin.audit"),
}  # fmt: skip
# Pages where the administrator must see the publisher's planted name, escaped.
NAME_MUST_SHOW = {("admin", "admin.users"), ("admin", "admin.edit_user"), ("admin", "admin.audit")}


def new_isbn(serial: int) -> str:
    """Return a valid, assignable 978-7 ISBN-13 (the planting's own range)."""
    body = f"97870209{serial:04d}"
    return body + ean.calc_check_digit(body)


def apply(user, suffix, kind="publisher"):
    """Apply for membership with a planted profile; return the organisation."""
    values = {"kind": kind, "name": f"{PLANT_ZH} {suffix}", "name_en": f"{PLANT} {suffix}",
              "contact_name": PLANT, "contact_email": "press@example.org", "website": WEBSITE,
              "description": PLANT_ZH, "description_en": PLANT}  # fmt: skip
    return members.apply_for_membership(user, values)


@dataclass
class World:
    """The planted objects' ids and the users of each role."""

    users: dict = field(default_factory=dict)  # role -> user id
    keys: dict = field(default_factory=dict)  # role -> API key
    ids: dict = field(default_factory=dict)  # URL argument -> values to try
    label_code: str = ""


def plant_services(db, make_user, make_org) -> World:
    """Plant markup in every text field the services store (call inside a request context)."""
    world, today = World(), local_today()
    admin, staff = make_user("admin"), make_user("campaign_staff")
    ip, rival = make_user("ip_officer"), make_user("publisher", organisation=make_org())
    merchant = make_user("merchant", organisation=make_org(kind="merchant"))
    agency = members.create_organisation(
        None, "rights_agency", {"name": PLANT_ZH + " 代理", "name_en": PLANT + " agency"}
    )
    agent = make_user("rights_holder", organisation=agency)
    owner, applicant, rejected, suspended = make_user(), make_user(), make_user(), make_user()
    press, stopped = apply(owner, "出版社"), apply(suspended, "stopped")
    pending = apply(applicant, "pending", kind="charity")
    refused = apply(rejected, "refused", kind="bookstore")
    members.decide(admin, press, "active", PLANT)
    members.decide(admin, refused, "rejected", PLANT_ZH)
    members.decide(admin, stopped, "active", None)
    members.decide(admin, stopped, "suspended", PLANT)
    people = {"admin": admin, "staff": staff, "ip_officer": ip, "publisher": owner,
              "rival": rival, "merchant": merchant, "applicant": applicant,
              "rejected": rejected, "suspended": suspended, "rights": agent}  # fmt: skip
    for role, user in people.items():
        accounts.update_profile(user, NAME.format(role=role), None, "Asia/Shanghai")
        world.keys[role] = create_api_key(user, PLANT)[1]
        world.users[role] = user.id
    accounts.start_registration("newcomer@example.org", PLANT, "a long unusual passphrase 42")
    isbns = [new_isbn(serial) for serial in range(1, 4)]
    for isbn in isbns:
        catalogue.create_title(owner, read_title({
            "isbn": isbn, "title": PLANT_ZH, "subtitle": PLANT, "description": PLANT,
            "contributors": [{"name": PLANT, "role": "author"},
                             {"name": PLANT_ZH, "role": "translator"}],
            "clc_class": "I247.5", "price": "59.80"}))  # fmt: skip
    campaign = campaigns.create_campaign(staff, campaigns.CampaignInput(
        name=PLANT_ZH + " 读书月", name_en=PLANT + " month", enrolment_opens=today - timedelta(1),
        enrolment_closes=today + timedelta(1), starts=today - timedelta(1),
        ends=today + timedelta(20), budget_fen=1_000_000, per_title_cap_fen=100_000,
        per_publisher_cap_fen=300_000, categories=["I"]))  # fmt: skip
    campaigns.change_status(staff, campaign, "enrolment_open")
    refused_one, approved, _pending = [
        enrolling.enrol_title(owner, campaign, enrolling.EnrolmentInput(isbn, 4000, 500, 100, 1000))
        for isbn in isbns
    ]
    enrolling.decide_enrolments(staff, [refused_one], "rejected", "quality", PLANT)
    enrolling.decide_enrolments(staff, [approved], "approved")
    ledger.allocate(staff, approved, 50_000, idempotency_key=PLANT, note=PLANT_ZH)
    for status in ("enrolment_closed", "running"):
        campaigns.change_status(staff, campaign, status)
    sale = sales.report_sale(owner, campaign, sales.SaleInput(isbns[1], today, "store", 10, 30000))
    livestreams.record_livestream(owner, campaign, livestreams.LivestreamInput(
        PLANT, utcnow() - timedelta(hours=2), 60, 5, 20000, PLANT_ZH))  # fmt: skip
    authorisations = [
        sellers.create_authorisation(owner, sellers.read_authorisation({
            "merchant_id": f"shop-{n}", "merchant_name": name, "valid_from": date(2020, 1, 1)}))
        for n, name in enumerate((PLANT_ZH, PLANT))
    ]  # fmt: skip
    sellers.revoke_authorisation(owner, authorisations[1], PLANT)
    batches = [labels.create_batch(owner, isbns[0], "shop-0", 3) for _n in range(3)]
    codes = [code for _serial, code in labels.download_codes(owner, batches[1])]
    labels.revoke_label(owner, codes[1], "lost", PLANT_ZH)
    labels.seal_batch(owner, batches[1])
    labels.revoke_batch(owner, batches[2], "other", PLANT)
    label_reports.report_seller(codes[0], PLANT, PLANT_ZH)  # place, contact
    rights, notice = plant_ip(agent, ip, merchant)
    db.session.commit()
    hook = plant_webhook_event(db)
    world.label_code = codes[0]
    world.ids = {
        "organisation_id": [press.id, pending.id, refused.id, stopped.id],
        "campaign_id": [campaign.id], "enrolment_id": [refused_one.id, approved.id],
        "sale_id": [sale.sale.id], "isbn": isbns[:1], "user_id": [owner.id],
        "authorisation_id": [authorisations[0].id], "batch_id": [b.id for b in batches],
        "code": [codes[0], codes[1]], "part": [1], "chart": ["titles", "publishers"],
        "file_format": ["csv", "xlsx"], "sheet_format": ["svg", "pdf"], "event_id": [hook],
        "right_id": [right.id for right in rights], "notice_id": [notice.id],
        "item_id": [item.id for item in notice.items],
    }  # fmt: skip
    return world


def png() -> bytes:
    """Return a small PNG image (a photo of evidence)."""
    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(output, "PNG")
    return output.getvalue()


def plant_ip(agent, officer, merchant):
    """Plant markup in rights, a principal, a notice, decisions and a counter-notice."""
    principal = principals.add_principal(agent, principals.read_principal({
        "name": PLANT_ZH, "name_en": PLANT, "region": PLANT, "valid_from": "2020-01-01",
    }), Upload(PLANT[1:] + ".pdf", PDF))  # fmt: skip
    made = []
    for decision, code in (("verified", None), ("rejected", "other"), (None, None)):
        right = rights.register_right(agent, rights.read_right({
            "right_type": "trademark", "title": PLANT_ZH, "registration_number": "45678912",
            "classes": PLANT, "territory": PLANT, "valid_from": "2020-01-01",
            "work_titles": [PLANT_ZH, PLANT],
        }), [Upload(PLANT_ZH[1:] + ".pdf", PDF)], principal_id=principal.id)  # fmt: skip
        if decision:
            rights.decide_right(officer, right, decision, code, PLANT)
        made.append(right)
    merchants.set_merchant(officer, "shop-77", PLANT_ZH, merchant.organisation_id)
    listing = {"merchant_id": "shop-77", "url": WEBSITE, "reason_code": "pirated_copy",
               "description": PLANT}  # fmt: skip
    notice = notices.file_notice(agent, notices.read_notice(agent, {
        "right_id": made[0].id, "regime": "cn_ecommerce", "good_faith": True, "accurate": True,
        "regime_statement": True, "signature": PLANT, "contact": PLANT_ZH,
        "items": [{**listing, "listing_id": "L1"}, {**listing, "listing_id": "L2"}],
    }))  # fmt: skip
    first, second = notice.items
    notices.decide_items(officer, [first.id], "removed", None, PLANT)
    notices.decide_items(officer, [second.id], "clarification_requested", None, PLANT_ZH)
    notices.reply(agent, second, PLANT)
    counter.file_counter_notice(merchant, first, {
        "statement": PLANT_ZH, "contact": PLANT, "accept_jurisdiction": True, "signature": PLANT,
    }, [Upload(PLANT[1:] + ".png", png())])  # fmt: skip
    return made, notice


def plant_webhook_event(db) -> int:
    """Queue an event of planted type, key and payload; record a planted refusal of it (the
    receiver's answer is kept as the error). Return its id."""
    from flask import current_app

    hook = queue_event(PLANT, key=PLANT_ZH, payload={"reason": PLANT_ZH, "note": PLANT})
    db.session.commit()  # no MARKETPLACE_WEBHOOK_URL in the tests: it waits
    token, due = webhooks.claim_due(utcnow(), webhooks.Settings.of(current_app.config))
    claimed = next(event for event in due if event.id == hook.id)  # the notices' events too
    refused = {"b_id": claimed.id, "b_status": "pending", "b_next": utcnow(), "b_code": 500,
               "b_error": PLANT}  # fmt: skip
    attempt = {"event_id": claimed.id, "attempted_at": utcnow(), "ok": False,
               "status_code": 500, "error": PLANT_ZH, "duration_ms": 3}  # fmt: skip
    webhooks.record(token, webhooks.Outcome([], [refused], [attempt], []))
    return hook.id


def csv_upload(rows: list[list[str]], filename: str):
    """Return a multipart file of CSV rows (merchant id, name, ISBNs, valid from)."""
    lines = ["merchant_id,merchant_name,isbns,valid_from"] + [
        ",".join('"' + cell.replace('"', '""') + '"' for cell in row) for row in rows
    ]
    return io.BytesIO("\n".join(lines).encode()), filename


def plant_by_web(app, client) -> None:
    """Plant what only requests carry: uploaded files' names and cells, a browser's name."""
    # A multipart header cannot carry a double quote (browsers send %22), so names start at '.
    good = csv_upload([["shop-9", PLANT_ZH, "", "2020-01-01"]], PLANT[1:] + ".csv")
    bad = csv_upload([["shop-8", PLANT, "'\"><script>planted()</script>", "2020-01-01"]],
                     PLANT_ZH[1:] + ".csv")  # fmt: skip
    for upload, status in ((good, 302), (bad, 200)):
        response = client.post("/sellers/import", data={"file": upload})
        assert response.status_code == status
    # A large title import runs as a job: its file's name, its problems, the notification.
    titles = io.BytesIO(("ISBN,Title,Price\n" + f"{PLANT_ZH[1:]},x,1\n" * 3).encode())
    limit, app.config["IMPORT_JOB_ROWS"] = app.config["IMPORT_JOB_ROWS"], 1
    try:
        response = client.post("/titles/import", data={"file": (titles, PLANT[1:] + ".csv")})
    finally:
        app.config["IMPORT_JOB_ROWS"] = limit
    assert response.status_code == 302 and response.headers["Location"].startswith("/jobs/")
    stranger = app.test_client()
    response = stranger.post("/auth/login", data={"login": client.user.email,
                             "password": PASSWORD}, headers={"User-Agent": PLANT})  # fmt: skip
    assert response.status_code == 302


def text_columns(db):
    """Yield (table, column) of every String, Text and JSON column of the models."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String | JSON):
                yield table, column


def holds_plant(db, table, column) -> bool:
    """Tell whether any row's value in `column` holds the planted text."""
    values = db.session.scalars(select(column).where(column.is_not(None)))
    return any("planted" in json.dumps(value, ensure_ascii=False) for value in values)


@dataclass(frozen=True)
class Page:
    """What one response showed."""

    role: str
    language: str
    url: str
    endpoint: str
    status: int
    content_type: str
    raw: bool
    escaped: bool
    names: frozenset  # the roles whose name the page shows, escaped
    quotes_raw: bool
    double_escaped: bool
    nosniff: bool


class Links(HTMLParser):
    """Collect the addresses a page links to or loads (a href, img src, object data)."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        wanted = {"a": "href", "img": "src", "object": "data"}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.found.append(value)


def endpoint_of(app, url: str) -> str | None:
    """Return the endpoint a same-site GET address reaches, else None."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or parts.path.startswith(("/static/", "/bootstrap/")):
        return None
    if parts.path.startswith("/api/v1/labels/"):
        return "label_route"  # answered by a WSGI route in front of the app
    try:
        endpoint, _args = app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        return None
    return endpoint


def canonical(url: str) -> str:
    """Drop the fragment and ?lang= (the crawl chooses its language with a cookie)."""
    parts = urlsplit(url)
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if k != "lang"))
    return parts.path + ("?" + query if query else "")


def start_urls(app, world: World) -> list[str]:
    """Return the home page, every GET route built with the planted objects' ids, the label."""
    urls = ["/", f"/api/v1/labels/{world.label_code}"]
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "bootstrap.static"):
            continue
        combos = [{}]
        for argument in sorted(rule.arguments):
            combos = [{**c, argument: v} for c in combos for v in world.ids.get(argument, [])]
        urls += [rule.build(values, append_unknown=False)[1] for values in combos]
    return urls


def crawl(app, client, role, language, starts, key, roles) -> list[Page]:
    """Visit `starts` and the same-site links they lead to, breadth first, up to a bound."""
    queue, queued, per_path, pages = deque(), set(), {}, []

    def enqueue(url):
        url = canonical(url)
        path = urlsplit(url).path
        if url in queued or per_path.get(path, 0) >= VARIANTS_PER_PATH:
            return
        if endpoint_of(app, url) is not None:
            queued.add(url)
            per_path[path] = per_path.get(path, 0) + 1
            queue.append(url)

    for url in starts:
        enqueue(url)
    while queue and len(pages) < PAGES_PER_CRAWL:
        url = queue.popleft()
        api = url.startswith("/api/")
        headers = {"Authorization": f"Bearer {key}"} if api and key else {}
        response = client.get(url, headers=headers)
        body = response.get_data().decode("utf-8", "replace")
        pages.append(Page(
            role, language, url, endpoint_of(app, url), response.status_code, response.mimetype,
            any(marker in body for marker in RAW), any(marker in body for marker in ESCAPED),
            frozenset(r for r in roles if ESCAPED_NAME.format(role=r) in body),
            QUOTES_RAW in body and "planted" in body, DOUBLE_ESCAPED in body,
            response.headers.get("X-Content-Type-Options") == "nosniff",
        ))  # fmt: skip
        if response.status_code in (301, 302, 303):
            enqueue(urljoin(url, response.headers["Location"]))
        elif response.mimetype == "text/html":
            assert f'<html lang="{"zh-CN" if language == "zh" else "en"}">' in body, url
            parser = Links()
            parser.feed(body)
            for link in parser.found:
                enqueue(urljoin(url, link))
    assert not queue, f"raise PAGES_PER_CRAWL: {role} has more than {len(pages)} pages"
    return pages


@pytest.fixture
def planted(app, db, make_user, make_org, client_of) -> World:
    """Plant markup everywhere, through the services and then through requests."""
    with app.test_request_context():
        world = plant_services(db, make_user, make_org)
    plant_by_web(app, client_of(db.session.get(User, world.users["publisher"])))
    world.ids["report_id"] = list(db.session.scalars(select(ImportReport.id)))
    return world


def test_every_stored_text_column_gets_planted_markup(db, planted):
    all_columns = {(t.name, c.name): (t, c) for t, c in text_columns(db)}
    assert NOT_PLANTED.keys() - all_columns.keys() == set(), "drop exclusions of gone columns"
    unplanted = [
        key
        for key, (table, column) in sorted(all_columns.items())
        if key not in NOT_PLANTED and not holds_plant(db, table, column)
    ]
    assert unplanted == [], "plant markup in these new text columns (or exclude them, why)"


def test_no_page_shows_planted_markup_as_html(app, db, client_of, planted):
    world, starts = planted, start_urls(app, planted)
    pages = []
    for role, language in [(role, "en") for role in world.users] + [
        ("anonymous", "en"), ("anonymous", "zh"), ("publisher", "zh"), ("applicant", "zh"),
        ("rejected", "zh"), ("staff", "zh"), ("admin", "zh"),
    ]:  # fmt: skip
        if role == "anonymous":
            client = app.test_client()
        else:
            client = client_of(db.session.get(User, world.users[role]))
        client.set_cookie("lang", language)
        limiter.reset()  # each reader as if from an address of its own
        pages += crawl(app, client, role, language, starts, world.keys.get(role), world.users)
    shown_raw = [(p.role, p.url, p.content_type) for p in pages
                 if p.raw and (p.content_type not in NOT_RENDERED or not p.nosniff)]  # fmt: skip
    assert shown_raw == []
    assert [(p.role, p.url) for p in pages if p.content_type == "text/html" and p.quotes_raw] == []
    assert [(p.role, p.url) for p in pages if p.double_escaped] == []
    assert [(p.role, p.url, p.status) for p in pages if p.status >= 500] == []
    seen = {(p.role, p.language, p.endpoint) for p in pages if p.escaped and p.status == 200}
    assert {(role, "en", endpoint) for role, endpoint in MUST_SHOW} - seen == set()
    assert {(role, "zh", endpoint) for role, endpoint in ZH_MUST_SHOW} - seen == set()
    names = {
        (p.role, p.endpoint) for p in pages if "publisher" in p.names - {p.role} and p.status == 200
    }
    assert NAME_MUST_SHOW - names == set()


def assert_escaped_not_raw(response, raw: str, escaped: str) -> None:
    """Check that the page answered, shows the input escaped, and never as markup."""
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert raw not in body
    assert escaped in body


def test_reflected_isbn_on_the_sellers_form_is_escaped(client_as):
    publisher = client_as("publisher")
    response = publisher.post("/sellers/", data={
        "merchant_id": "shop-1", "merchant_name": "书店", "valid_from": "2021-04-23",
        "isbns": "\"'><script>planted()</script>"})  # fmt: skip
    assert_escaped_not_raw(response, "<script>planted", "&#34;&#39;&gt;&lt;script&gt;planted()")


def test_reflected_category_on_the_campaign_form_is_escaped(client_as):
    staff = client_as("campaign_staff")
    response = staff.post("/campaigns/new", data={
        "name": "读书月", "enrolment_opens": "2031-04-01", "enrolment_closes": "2031-04-10",
        "starts": "2031-04-11", "ends": "2031-04-30", "budget": "1000",
        "per_title_cap": "100", "per_publisher_cap": "300", "platform_share_percent": "100",
        "categories": "I \"'><script>planted()</script>"})  # fmt: skip
    assert_escaped_not_raw(response, "<SCRIPT>PLANTED", "&#34;&#39;&gt;&lt;SCRIPT&gt;PLANTED()")


def test_reflected_cells_in_the_seller_import_problems_are_escaped(client_as):
    publisher = client_as("publisher")
    upload = csv_upload([["shop-1", "书店", "'\"><script>planted()</script>", "2021-04-23"]],
                        "sellers.csv")  # fmt: skip
    response = publisher.post("/sellers/import", data={"file": upload})
    assert_escaped_not_raw(response, "<script>planted", "&#39;&#34;&gt;&lt;script&gt;planted()")
