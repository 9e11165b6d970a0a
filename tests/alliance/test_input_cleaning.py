"""The one input-cleaning rule: what it refuses, and that forms, lists and imports all use it."""

import importlib
import pkgutil
from datetime import date, timedelta

import flask_wtf
import pytest
from sqlalchemy import func, select
from wtforms import PasswordField, StringField, TextAreaField

from alliance.admin.services import day_bounds
from alliance.audit import AuditEvent
from alliance.catalogue.models import Title, search_key
from alliance.cleaning import (
    BROKEN_MESSAGE,
    CONTROL_MESSAGE,
    LINE_MESSAGE,
    WHOLE_MESSAGE,
    NumberRefused,
    TextRefused,
    clean_text,
    read_decimal,
    read_whole_number,
)
from alliance.forms import FlaskForm, strip, strip_lines
from alliance.money import MoneyError, parse_money
from alliance.spreadsheets import read_table
from alliance.tabular import ImportRejected
from alliance.web import MAX_PAGE
from tests import factories

HUGE_PAGE = "99999999999999999999"
CONTROLS = ["a\x00b", "a\u0006b", "a\u202eb", "a\x1bb", "a\x7fb", "a\u2066b"]


def refusal(call, *args, **kwargs) -> str:
    """Return the English message a refusal of the rule carries."""
    with pytest.raises((TextRefused, NumberRefused)) as caught:
        call(*args, **kwargs)
    return str(caught.value.message)


# The rule itself ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", CONTROLS)
def test_control_and_direction_characters_are_refused(text, ctx):
    assert refusal(clean_text, text) == str(CONTROL_MESSAGE)
    assert refusal(clean_text, text, multiline=True) == str(CONTROL_MESSAGE)


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "a\uffffb"])
def test_broken_unicode_is_refused(text, ctx):
    assert refusal(clean_text, text) == str(BROKEN_MESSAGE)


@pytest.mark.parametrize("text", ["two\nlines", "a\tb", "a\rb", "a\u2028b"])
def test_line_breaks_and_tabs_only_in_multi_line_text(text, ctx):
    assert refusal(clean_text, text) == str(LINE_MESSAGE)
    assert clean_text(f"  {text}  ", multiline=True) == text


def test_text_is_stripped_and_its_length_is_sane(ctx):
    assert clean_text("  红楼梦 \n") == "红楼梦"
    assert clean_text("x" * 5_000) == "x" * 5_000
    assert refusal(clean_text, "x" * 5_001) == "This text is too long: at most 5,000 characters."
    assert refusal(clean_text, "x" * 100_001, multiline=True) == (
        "This text is too long: at most 100,000 characters."
    )
    assert refusal(clean_text, "abc", max_length=2) == (
        "This text is too long: at most 2 characters."
    )


@pytest.mark.parametrize(
    ("text", "number"),
    [("120", 120), ("１２０", 120), ("1,200", 1200), ("１，２００", 1200), ("1200.0", 1200)],
)
def test_whole_numbers_in_ascii_or_full_width_digits(text, number):
    assert read_whole_number(text) == number


@pytest.mark.parametrize("text", ["²", "٣", "¥10", "10元", "1e3", "NaN", "1_000", "一", "-"])
def test_anything_but_digits_is_no_whole_number(text, ctx):
    assert refusal(read_whole_number, text) == str(WHOLE_MESSAGE)


def test_whole_numbers_keep_their_bounds_whatever_their_length(ctx):
    assert refusal(read_whole_number, "9" * 400) == "Enter a whole number from 0 to 2,147,483,647."
    assert refusal(read_whole_number, "101", maximum=100) == "Enter a whole number from 0 to 100."
    assert refusal(read_whole_number, "0", minimum=1, range_message="Order 1 or more.") == (
        "Order 1 or more."
    )


@pytest.mark.parametrize(("text", "fen"), [("12.50", 1250), ("１２．５", 1250), ("¥10", 1000)])
def test_amounts_in_digits(text, fen):
    assert parse_money(text) == fen


@pytest.mark.parametrize("text", ["²", "٣", "1e3", "NaN", "Infinity", "1_000", "1¥0", "1 200"])
def test_anything_but_digits_is_no_amount(text, app):
    with app.test_request_context(), pytest.raises(MoneyError) as caught:
        parse_money(text)
    assert str(caught.value.message) == "Enter an amount such as 12.50."


def test_an_amount_of_400_digits_is_too_large_and_fen_fit_a_bigint(app):
    with app.test_request_context():
        for text in ("9" * 400, "10000000000000.01"):
            with pytest.raises(MoneyError) as caught:
                parse_money(text)
            assert str(caught.value.message) == "The amount is too large."
        assert parse_money("10000000000000") == 10**15 < 2**63


def test_decimals_in_digits_only(ctx):
    assert read_decimal("１２．５") == read_decimal("12.5")
    for text in ("²", "1e3", "NaN", "5%"):
        assert refusal(read_decimal, text) == "Enter a number in digits, such as 12.5."


# Every form and every API blueprint uses the rule ---------------------------------------------


def _all_form_classes():
    for package in ("alliance", "campaigns", "authenticity"):
        path = importlib.import_module(package).__path__
        for module in pkgutil.walk_packages(path, package + "."):
            if module.name.rsplit(".", 1)[-1].endswith("forms"):
                importlib.import_module(module.name)

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return set(below(flask_wtf.FlaskForm))


def test_every_form_of_the_app_cleans_every_text_field_by_the_rule(app):
    forms = _all_form_classes() - {FlaskForm}
    assert len(forms) > 30
    foreign = sorted(f.__qualname__ for f in forms if not issubclass(f, FlaskForm))
    assert foreign == [], "derive forms from alliance.forms.FlaskForm"
    with app.test_request_context():
        for form_class in forms:
            for field in form_class():
                if isinstance(field, StringField) and not isinstance(field, PasswordField):
                    cleaner = strip_lines if isinstance(field, TextAreaField) else strip
                    assert field.filters[0] is cleaner, (form_class.__name__, field.name)


def test_a_form_with_a_number_field_that_reads_any_digits_cannot_be_built(app):
    from wtforms import IntegerField

    class Loose(FlaskForm):
        count = IntegerField()

    with app.test_request_context(), pytest.raises(TypeError, match="WholeNumberField"):
        Loose()


def test_every_api_blueprint_reads_its_arguments_by_the_rule(app):
    import flask_smorest

    from alliance.api.arguments import CleaningParser

    api_blueprints = [b for b in app.blueprints.values() if isinstance(b, flask_smorest.Blueprint)]
    assert len(api_blueprints) >= 5
    for blueprint in api_blueprints:
        assert isinstance(blueprint.ARGUMENTS_PARSER, CleaningParser), blueprint.name
    loose = flask_smorest.Blueprint("loose", __name__, url_prefix="/api/v1/loose")
    with pytest.raises(TypeError, match=r"alliance\.api\.arguments\.Blueprint"):
        app.extensions["alliance_api"].register_blueprint(loose)


# Forms: the message next to the field, the other input kept, nothing stored ------------------


def test_a_title_form_refuses_nul_esc_and_overrides_next_to_the_field(client_as, db):
    publisher = client_as("publisher")
    form = {"isbn": "9787020002207", "title": "红楼梦", "format": "paperback", "status": "active"}
    for field in ("title", "subtitle", "authors"):
        for bad in ("红楼\x00梦", "红楼\x1b梦", "红楼\u202e梦"):
            response = publisher.post("/titles/new", data={**form, field: bad})
            page = response.get_data(as_text=True)
            assert response.status_code == 200
            assert field_errors(page, field) == [str(CONTROL_MESSAGE)]
            assert 'value="9787020002207"' in page  # the user's other input is kept
    assert db.session.scalar(select(func.count(Title.id))) == 0


def field_errors(page: str, name: str) -> list[str]:
    """Return the messages shown right after the field named `name`."""
    import re

    start = page.index(f'name="{name}"')
    end = min(i for i in (page.find("<label", start), page.find("</form>", start)) if i > 0)
    return re.findall(r'<div class="invalid-feedback[^"]*">([^<]*)</div>', page[start:end])


# Lists: any page number --------------------------------------------------------------------


def test_every_list_page_takes_any_page_number(app, client_as, make_org, db):
    from campaigns.models import CampaignStatus

    admin = client_as("admin", "campaign_staff")
    publisher = client_as("publisher")
    with app.test_request_context():
        today = date.today()
        campaign = factories.campaign(
            admin.user, CampaignStatus.RUNNING, name="读书月", name_en=None,
            enrolment_opens=today, enrolment_closes=today + timedelta(days=5),
            starts=today + timedelta(days=6), ends=today + timedelta(days=20),
            budget_fen=100_000, per_title_cap_fen=10_000, per_publisher_cap_fen=50_000,
            categories=[],
        )  # fmt: skip
        organisation_id = publisher.user.organisation_id
        db.session.add(
            Title(isbn="9787020002207", title="红楼梦", title_key=search_key("红楼梦"),
                  publisher_id=organisation_id)
        )  # fmt: skip
        db.session.commit()
        campaign_id = campaign.id
    pages = {
        admin: ["/admin/users", "/admin/audit", "/members/", "/members/applications",
                "/titles/", "/campaigns/", f"/campaigns/{campaign_id}",
                f"/campaigns/{campaign_id}/review", f"/campaigns/{campaign_id}/sales",
                f"/campaigns/{campaign_id}/livestreams"],
        publisher: [f"/campaigns/{campaign_id}/mine", "/sellers/", "/labels/"],
    }  # fmt: skip
    assert sum(map(len, pages.values())) == 13
    for client, urls in pages.items():
        for url in urls:
            first = client.get(f"{url}?page=1").get_data(as_text=True)
            for page in (HUGE_PAGE, str(MAX_PAGE + 1), "-1", "²", "٣", "abc", "%00"):
                response = client.get(f"{url}?page={page}")
                assert response.status_code == 200, (url, page)
                assert _without_ids(response.get_data(as_text=True)) == _without_ids(first)


def _without_ids(page: str) -> str:
    """Return the page's main part without the links that repeat the query (downloads...)."""
    import re

    return re.sub(r"[?&](amp;)?page=[^\"&]*", "", page[page.index("<main") : page.index("</main>")])


# The audit log's dates ------------------------------------------------------------------------


def test_the_audit_log_takes_the_first_and_last_dates_there_are(client_as, db):
    admin = client_as("admin")
    admin.post("/account/api-keys/", data={"name": "audited"})
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    assert events >= 1
    for query in ("until=9999-12-31", "since=0001-01-01", "since=0001-01-01&until=9999-12-31"):
        for path in ("/admin/audit", "/admin/audit.csv"):
            response = admin.get(f"{path}?{query}")
            assert response.status_code == 200, (path, query)
        assert "api_key.create" in admin.get(f"/admin/audit?{query}").get_data(as_text=True)
    assert "api_key.create" not in admin.get("/admin/audit?until=0001-01-01").get_data(as_text=True)


def test_day_bounds_beyond_a_datetime_are_no_bounds():
    assert day_bounds(date.min, date.max, "Asia/Shanghai") == (None, None)
    start, end = day_bounds(date.min, date(9999, 12, 30), "America/New_York")
    assert start.isoformat() == "0001-01-01T04:56:02+00:00"
    assert end.isoformat() == "9999-12-31T05:00:00+00:00"


# Imports: the reader checks every cell ------------------------------------------------------


COLUMNS = {"isbn": {"isbn", "书号"}, "title": {"title", "书名"}, "description": {"简介"}}


def test_import_cells_that_break_the_rule_are_named_by_row_and_header(ctx):
    text = (
        "书号,书名,简介\n"
        '9787020002207,红楼梦,"第一行\n第二行"\n'
        "9787020002214,西游记,一部长篇神魔小说，讲述唐僧师徒四人西天取经的故事\n"
        "9787544253994,活\u202e着,\n"
        '9787020008735,"两\n行",\n'
        "9787020008742,围城\x1b,\n"
    )
    with pytest.raises(ImportRejected) as caught:
        read_table(text.encode(), "books.csv", COLUMNS, multiline=("description",))
    assert [problem.as_dict() for problem in caught.value.problems] == [
        {"row": 4, "column": "书名", "problem": str(CONTROL_MESSAGE)},
        {"row": 5, "column": "书名", "problem": str(LINE_MESSAGE)},
        {"row": 6, "column": "书名", "problem": str(CONTROL_MESSAGE)},
    ]
    good = '书号,书名,简介\n9787020002207,红楼梦,"第一行\n第二行"\n'
    table = read_table(good.encode(), "books.csv", COLUMNS, multiline=("description",))
    assert table.rows[0].values["description"] == "第一行\n第二行"


def test_an_imported_title_with_a_control_character_stores_nothing(client_as, db):
    publisher = client_as("publisher")
    data = "书号,书名\n9787020002207,红楼梦\n9787544253994,活\u202e着\n".encode()
    response = publisher.post(
        "/titles/import", data={"file": (__import__("io").BytesIO(data), "books.csv")}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert str(CONTROL_MESSAGE) in page
    assert db.session.scalar(select(func.count(Title.id))) == 0


# NUL never reaches PostgreSQL ------------------------------------------------------------------


def test_nul_bytes_never_reach_the_database(own_database, password_hash):
    """On PostgreSQL a NUL in a parameter is an error of the driver: a 500 if one got there."""
    import re

    from alliance.api.services import create_api_key
    from alliance.auth import sessions
    from alliance.auth.models import User, UserRole
    from alliance.extensions import db
    from alliance.members.models import Organisation

    app = own_database
    with app.app_context():
        press = Organisation(name="测试出版社", name_en="Test Press", kind="publisher")
        user = User(email="nul@example.org", display_name="Nul", password_hash=password_hash,
                    organisation=press, role_grants=[UserRole(role="publisher")])  # fmt: skip
        db.session.add_all([press, user])
        db.session.commit()
        _record, key = create_api_key(user, "nul")
        sessions.start(user)
        db.session.commit()
        user_id = user.get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
    headers = {"Authorization": f"Bearer {key}"}
    form = {"isbn": "9787020002207", "title": "红楼梦", "format": "paperback", "status": "active"}
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(
        "/titles/new").get_data(as_text=True))[1]  # fmt: skip
    for field in ("title", "subtitle"):
        page = client.post("/titles/new", data={**form, field: "红楼\x00梦", "csrf_token": token})
        assert page.status_code == 200
        assert field_errors(page.get_data(as_text=True), field) == [str(CONTROL_MESSAGE)]
        api = client.post("/api/v1/titles", json={**form, field: "红楼\x00梦"}, headers=headers)
        assert api.status_code == 422
        assert api.json["errors"] == {"json": {field: [str(CONTROL_MESSAGE)]}}
    check = client.get("/api/v1/authorisations/check?merchant=a%00b&isbn=1", headers=headers)
    assert check.status_code == 422
    assert check.json["errors"] == {"query": {"merchant": [str(CONTROL_MESSAGE)]}}
    for url in ("/titles/?q=%00", "/sellers/?merchant=a%00b", "/members/?q=%00"):
        assert client.get(url).status_code == 200, url
    for url in ("/titles/978%00", "/api/v1/titles/978%00"):
        response = client.get(url, headers=headers)
        assert response.status_code == 404, (url, response.status_code)
    with app.app_context():
        assert db.session.scalar(select(func.count(Title.id))) == 0
