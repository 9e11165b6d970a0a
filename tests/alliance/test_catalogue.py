"""The title catalogue: publishers manage their own titles; everyone logged in searches."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from alliance.api.services import create_api_key
from alliance.audit import AuditEvent
from alliance.catalogue.models import Title

RED_CHAMBER = {
    "isbn": "978-7-02-000220-7",
    "title": "红楼梦",
    "authors": "曹雪芹；高鹗",
    "format": "hardback",
    "language": "zh",
    "price": "¥59.70",
    "publication_date": "1996年12月",
    "page_count": "1,606",
    "clc_class": "i242.47",
    "status": "active",
}


@pytest.fixture
def publisher(client_as, make_org):
    return client_as("publisher", organisation=make_org(name="人民文学出版社", kind="publisher"))


@pytest.fixture
def other_publisher(client_as, make_org):
    return client_as("publisher", organisation=make_org(name="中华书局", kind="publisher"))


def add(client, **changes):
    return client.post("/titles/new", data={**RED_CHAMBER, **changes})


def titles(db):
    return db.session.scalar(select(func.count(Title.id)))


def test_publisher_adds_a_title_with_normalised_values(publisher, db):
    response = add(publisher)
    assert response.status_code == 302 and response.headers["Location"] == "/titles/9787020002207"
    title = db.session.scalar(select(Title))
    assert title.isbn == "9787020002207" and title.list_price_fen == 5970
    assert [(c.name, c.role, c.position) for c in title.contributors] == [
        ("曹雪芹", "author", 1),
        ("高鹗", "author", 2),
    ]
    assert title.clc_class == "I242.47" and title.page_count == 1606
    assert str(title.publication_date) == "1996-12-01"
    assert title.publisher.name == "人民文学出版社"
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "title.create"))
    assert event.after["isbn"] == "9787020002207"
    page = publisher.get("/titles/9787020002207").get_data(as_text=True)
    assert "978-7-02-000220-7" in page and "曹雪芹" in page and "59.70" in page


def test_every_problem_is_shown_at_once_and_input_kept(publisher, db):
    response = add(publisher, isbn="9787020002208", title="", price="abc", page_count="-3")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "check digit does not match" in page
    assert "Enter an amount such as 12.50." in page
    assert "whole number of pages" in page
    assert 'value="9787020002208"' in page
    assert titles(db) == 0


@pytest.mark.parametrize(
    ("isbn", "message"),
    [
        ("979-0-2600-0043-8", "ISMNs"),
        ("9786390000004", "not in any range"),
        ("12345", "10 or 13 digits"),
        ("<script>alert(1)</script>", "10 or 13 digits"),
        ("=cmd|' /C calc'!A0", "10 or 13 digits"),
    ],
)
def test_isbn_rules_have_their_own_messages(publisher, db, isbn, message):
    page = add(publisher, isbn=isbn).get_data(as_text=True)
    assert message in page and "<script>alert(1)</script>" not in page
    assert titles(db) == 0


def test_an_isbn_is_catalogued_once(publisher, other_publisher, db):
    add(publisher)
    page = add(other_publisher, isbn="7-02-000220-X").get_data(as_text=True)
    assert "already in the catalogue" in page
    assert titles(db) == 1


def test_another_publishers_title_cannot_be_edited_or_withdrawn(publisher, other_publisher, db):
    add(publisher)
    assert other_publisher.get("/titles/9787020002207/edit").status_code == 404
    assert other_publisher.post("/titles/9787020002207/edit", data=RED_CHAMBER).status_code == 404
    response = other_publisher.post("/titles/9787020002207/status", data={"status": "withdrawn"})
    assert response.status_code == 404
    assert db.session.scalar(select(Title.status)) == "active"
    page = other_publisher.get("/titles/9787020002207").get_data(as_text=True)
    assert "/titles/9787020002207/edit" not in page  # no edit link either


def test_edit_changes_values_and_records_before_and_after(publisher, db):
    add(publisher)
    response = publisher.post(
        "/titles/9787020002207/edit",
        data={**RED_CHAMBER, "price": "68", "translators": "杨宪益, 戴乃迭"},
    )
    assert response.status_code == 302
    title = db.session.scalar(select(Title))
    db.session.refresh(title)
    assert title.list_price_fen == 6800
    assert [c.role for c in title.contributors] == ["author", "author", "translator", "translator"]
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "title.update"))
    assert event.before["list_price_fen"] == 5970 and event.after["list_price_fen"] == 6800
    unchanged = publisher.post(
        "/titles/9787020002207/edit",
        data={**RED_CHAMBER, "price": "68", "translators": "杨宪益, 戴乃迭"},
        follow_redirects=True,
    )
    assert "Nothing changed." in unchanged.get_data(as_text=True)


def test_status_changes_follow_the_allowed_transitions(publisher, db):
    add(publisher)
    assert (
        publisher.post("/titles/9787020002207/status", data={"status": "withdrawn"}).status_code
        == 302
    )
    refused = publisher.post(
        "/titles/9787020002207/status", data={"status": "forthcoming"}, follow_redirects=True
    )
    assert "cannot become" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Title.status)) == "withdrawn"
    publisher.post("/titles/9787020002207/status", data={"status": "active"})
    assert db.session.scalar(select(Title.status)) == "active"


def test_only_publisher_staff_of_an_active_publisher_add_titles(client_as, make_org, db):
    suspended = make_org(kind="publisher", status="suspended")
    db.session.commit()
    client = client_as("publisher", organisation=suspended)
    page = client.get("/titles/new", follow_redirects=True).get_data(as_text=True)
    assert "Only staff of an active member publisher" in page
    assert client_as("writer").get("/titles/new").status_code == 403
    bookstore_staff = client_as("publisher", organisation=make_org(kind="bookstore"))
    assert add(bookstore_staff).status_code == 403
    assert titles(db) == 0


def test_anyone_logged_in_searches_by_isbn_title_contributor_and_publisher(
    publisher, other_publisher, client_as
):
    add(publisher)
    add(other_publisher, isbn="9787101003048", title="史记", authors="司马迁")
    reader = client_as("writer")
    assert "红楼梦" in reader.get("/titles/?q=红楼").get_data(as_text=True)
    assert "史记" not in reader.get("/titles/?q=红楼").get_data(as_text=True)
    assert "史记" in reader.get("/titles/?q=司马").get_data(as_text=True)
    assert "红楼梦" in reader.get("/titles/?q=7-02-000220-x").get_data(as_text=True)
    by_publisher = reader.get(
        f"/titles/?publisher={other_publisher.user.organisation_id}"
    ).get_data(as_text=True)
    assert "史记" in by_publisher and "红楼梦" not in by_publisher
    assert "No title matches" in reader.get("/titles/?q=%25").get_data(as_text=True)
    assert "No title matches" in reader.get("/titles/?q=' OR 1=1 --").get_data(as_text=True)
    assert reader.get("/titles/?q=%00&publisher=abc&status=nope").status_code == 200


def test_catalogue_needs_a_login(client):
    assert client.get("/titles/").status_code == 302


def test_export_is_formula_safe_in_csv_and_excel(publisher, db):
    add(publisher, title='=HYPERLINK("http://evil")', authors="@SUM(A1)")
    body = publisher.get("/titles/export.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows[0]["title"].startswith("'=") and rows[0]["authors"].startswith("'@")
    assert rows[0]["isbn"] == "9787020002207" and rows[0]["price"] == "59.70"
    workbook = load_workbook(io.BytesIO(publisher.get("/titles/export.xlsx").data), read_only=True)
    values = list(next(workbook.active.iter_rows(min_row=2, values_only=True)))
    assert values[0] == "9787020002207" and values[1].startswith("'=")


def test_export_follows_the_search(publisher, other_publisher):
    add(publisher)
    add(other_publisher, isbn="9787101003048", title="史记", authors="司马迁")
    body = publisher.get("/titles/export.csv?q=司马").get_data(as_text=True)
    assert "史记" in body and "红楼梦" not in body


def test_api_search_read_create_and_patch(publisher, other_publisher, db):
    add(publisher)
    _record, key = create_api_key(publisher.user, "api")
    _other_record, other_key = create_api_key(other_publisher.user, "api")
    db.session.commit()
    auth = {"Authorization": f"Bearer {key}"}
    listed = publisher.get("/api/v1/titles?q=红", headers=auth)
    assert listed.status_code == 200 and listed.json["items"][0]["isbn"] == "9787020002207"
    assert listed.json["total"] == 1 and listed.json["page"] == 1 and listed.json["pages"] == 1
    second = publisher.get("/api/v1/titles?page=2&page_size=1", headers=auth).json
    assert second["items"] == [] and second["total"] == 1
    assert publisher.get("/api/v1/titles?page_size=1000", headers=auth).status_code == 422
    assert (
        publisher.get("/api/v1/titles/7-02-000220-X", headers=auth).json["list_price_fen"] == 5970
    )
    created = publisher.post(
        "/api/v1/titles",
        headers=auth,
        json={
            "isbn": "9787101003048",
            "title": "史记",
            "contributors": [{"name": "司马迁"}],
            "list_price_fen": 12000,
        },
    )
    assert created.status_code == 201 and created.json["contributors"] == [
        {"name": "司马迁", "role": "author"}
    ]
    patched = publisher.patch(
        "/api/v1/titles/9787101003048", headers=auth, json={"page_count": 3322}
    )
    assert (
        patched.status_code == 200
        and patched.json["page_count"] == 3322
        and patched.json["title"] == "史记"
    )
    foreign = publisher.patch(
        "/api/v1/titles/9787020002207",
        headers={"Authorization": f"Bearer {other_key}"},
        json={"title": "盗版"},
    )
    assert foreign.status_code == 404 and foreign.mimetype == "application/problem+json"


UNKNOWN_FIELD = "Unknown field: there is no value of this name to change."


@pytest.mark.parametrize(
    "body",
    [{"page_cont": 3322}, {"page_count": 3322, "colour": "red"}],
    ids=["only unknown fields", "a known and an unknown field"],
)
def test_api_patch_refuses_unknown_fields_and_changes_nothing(publisher, db, body):
    add(publisher)
    _record, key = create_api_key(publisher.user, "api")
    db.session.commit()
    auth = {"Authorization": f"Bearer {key}"}
    refused = publisher.patch("/api/v1/titles/9787020002207", headers=auth, json=body)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    unknown = sorted(set(body) - {"page_count"})
    assert refused.json["errors"] == {"json": {name: [UNKNOWN_FIELD] for name in unknown}}
    assert publisher.get("/api/v1/titles/9787020002207", headers=auth).json["page_count"] == 1606


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"isbn": "9787101003049", "title": "史记"}, "isbn"),
        ({"isbn": "9787101003048", "title": ""}, "title"),
        ({"isbn": "9787101003048", "title": "史记", "list_price_fen": "12.00"}, "list_price_fen"),
        ({"isbn": "9787101003048", "title": "史记", "list_price_fen": -1}, "list_price_fen"),
        ({"isbn": "9787101003048", "title": "x" * 301}, "title"),
        ({"isbn": "9787101003048", "title": "史记", "format": "scroll"}, "format"),
        (
            {
                "isbn": "9787101003048",
                "title": "史记",
                "contributors": [{"name": "A", "role": "king"}],
            },
            "contributors",
        ),
    ],
)
def test_api_refuses_bad_titles_with_a_problem_naming_the_field(publisher, db, body, field):
    _record, key = create_api_key(publisher.user, "api")
    db.session.commit()
    response = publisher.post(
        "/api/v1/titles", headers={"Authorization": f"Bearer {key}"}, json=body
    )
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert field in str(response.json)
    assert titles(db) == 0


def test_api_create_needs_the_publisher_role(client_as, db):
    writer = client_as("writer")
    _record, key = create_api_key(writer.user, "api")
    db.session.commit()
    response = writer.post(
        "/api/v1/titles",
        headers={"Authorization": f"Bearer {key}"},
        json={"isbn": "9787101003048", "title": "史记"},
    )
    assert response.status_code == 403
