"""Spreadsheet import of titles: every row checked first, all or nothing, the same file twice."""

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, text
from stdnum import ean

from alliance.api.services import create_api_key
from alliance.audit import AuditEvent
from alliance.catalogue import importing
from alliance.catalogue.importing import import_titles
from alliance.catalogue.models import Title
from alliance.errors import ConflictError
from alliance.importing import ImportReport
from alliance.members.services import NotAPublisher
from alliance.spreadsheets import SpreadsheetError
from alliance.tabular import ImportRejected

HEADER = ["ISBN", "Title", "Author", "Price"]
RED_CHAMBER = "9787020002207"
RECORDS_OF_THE_HISTORIAN = "9787101003048"


def isbn(n: int) -> str:
    """Return the n-th valid ISBN of one 978-7-5321 registrant."""
    body = f"97875321{n:04d}"
    return body + ean.calc_check_digit(body)


def csv_file(rows, header=HEADER, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_file(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_rows(count: int) -> list[list[str]]:
    return [[isbn(n), f"书名{n}", f"作者{n}", f"{10 + n}.50"] for n in range(count)]


@pytest.fixture
def publisher(client_as, make_org):
    return client_as("publisher", organisation=make_org(name="人民文学出版社", kind="publisher"))


@pytest.fixture
def other_publisher(client_as, make_org):
    return client_as("publisher", organisation=make_org(name="中华书局", kind="publisher"))


def run(client, data: bytes, filename="titles.csv"):
    """Import as the client's user, straight through the service."""
    return import_titles(client.user, client.user.organisation, data, filename)


def rejected(client, data: bytes, filename="titles.csv") -> set[tuple]:
    with pytest.raises(ImportRejected) as caught:
        run(client, data, filename)
    return {(p.row, p.column, p.message) for p in caught.value.problems}


def count(db, model=Title, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def upload(client, data: bytes, filename="titles.csv", **kwargs):
    return client.post(
        "/titles/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        **kwargs,
    )


def has(problems: set[tuple], row, column, words: str) -> bool:
    return any(r == row and c == column and words in m for r, c, m in problems)


def test_every_kind_of_bad_row_is_reported_and_nothing_is_written(publisher, other_publisher, db):
    run(other_publisher, csv_file([[RECORDS_OF_THE_HISTORIAN, "史记", "司马迁", "120"]]))
    data = csv_file(
        [
            [isbn(1), "好书", "作者", "10"],  # row 2: fine
            ["9787020002208", "校验位错", "", ""],  # 3
            ["979-0-2600-0043-8", "乐谱", "", ""],  # 4
            ["9786390000004", "未分配", "", ""],  # 5
            [isbn(2), "", "无名", ""],  # 6
            [isbn(3), "价格", "", "abc"],  # 7
            [isbn(4), "三位小数", "", "1.234"],  # 8
            [isbn(1), "重复", "", ""],  # 9: the ISBN of row 2
            [RECORDS_OF_THE_HISTORIAN, "别人的书", "", ""],  # 10
        ]
    )
    problems = rejected(publisher, data)
    assert has(problems, 3, "ISBN", "check digit does not match")
    assert has(problems, 4, "ISBN", "ISMN")
    assert has(problems, 5, "ISBN", "not in any range")
    assert has(problems, 6, "Title", "Enter the title")
    assert has(problems, 7, "Price", "Enter an amount such as 12.50")
    assert has(problems, 8, "Price", "at most two decimal places")
    assert has(problems, 9, "ISBN", "also on row 2")
    assert has(problems, 10, "ISBN", "Another publisher")
    assert not any(row == 2 for row, _c, _m in problems)
    assert len(problems) == 8
    assert count(db) == 1  # only the other publisher's title


def test_missing_required_columns_are_named(publisher):
    problems = rejected(publisher, csv_file([["红楼梦"]], header=["书名"]))
    assert {(row, column) for row, column, _m in problems} == {(None, "isbn")}
    assert "书号" in next(iter(problems))[2]


def test_rows_are_numbered_as_the_spreadsheet_shows_them(publisher):
    text = (
        "新书目录 2021\n"  # row 1: a note above the header
        "ISBN,Title,Author,Price\n"  # row 2
        f"{isbn(1)},一,甲,10\n"  # row 3
        ",,,\n"  # row 4: blank
        "\n"  # row 5: empty
        f"{isbn(2)},二,乙,很贵\n"  # row 6
    )
    problems = rejected(publisher, text.encode())
    assert {(row, column) for row, column, _m in problems} == {(6, "Price")}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding_with_chinese_headers(publisher, db, encoding):
    data = csv_file(
        [
            [RED_CHAMBER, "红楼梦", "曹雪芹；高鹗", "¥59.70"],
            [RECORDS_OF_THE_HISTORIAN, "史记", "司马迁", "1,234.50"],
        ],
        header=["书号", "书名", "作者", "定价（元）"],
        encoding=encoding,
    )
    result = run(publisher, data)
    assert (result.created, result.updated, result.unchanged, result.rows) == (2, 0, 0, 2)
    red = db.session.scalar(select(Title).where(Title.isbn == RED_CHAMBER))
    assert red.title == "红楼梦" and red.list_price_fen == 5970
    assert [c.name for c in red.contributors] == ["曹雪芹", "高鹗"]
    history = db.session.scalar(select(Title).where(Title.isbn == RECORDS_OF_THE_HISTORIAN))
    assert history.list_price_fen == 123450 and history.authors == "司马迁"


def test_xlsx_with_numeric_isbns_and_currency_prices(publisher, db):
    data = xlsx_file(
        [
            [9787020002207, "红楼梦", "曹雪芹", "¥1,234.50"],
            [9787101003048.0, "史记", "司马迁", 120],
            [7532100421, "Ten digits", "", 8.5],  # an ISBN-10 typed as a number
        ]
    )
    result = run(publisher, data, "titles.xlsx")
    assert result.created == 3
    prices = dict(db.session.execute(select(Title.isbn, Title.list_price_fen)).all())
    assert prices == {RED_CHAMBER: 123450, RECORDS_OF_THE_HISTORIAN: 12000, isbn(42): 850}


def test_one_bad_row_among_fifty_means_nothing_is_imported(publisher, db):
    rows = good_rows(50)
    rows[37][3] = "免费"
    problems = rejected(publisher, csv_file(rows))
    assert {(row, column) for row, column, _m in problems} == {(39, "Price")}
    assert count(db) == 0


def test_importing_the_same_file_twice_changes_nothing(publisher, db):
    data = csv_file(good_rows(20))
    first = run(publisher, data)
    assert (first.created, first.updated, first.unchanged) == (20, 0, 0)
    events = count(db, AuditEvent)
    again = run(publisher, data)
    assert (again.created, again.updated, again.unchanged, again.rows) == (0, 0, 20, 20)
    new_events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id).offset(events))
    (event,) = new_events.all()
    assert event.action == "title.import" and event.entity_type == "organisation"
    assert event.after["unchanged"] == 20 and event.after["filename"] == "titles.csv"
    assert len(event.after["sha256"]) == 64
    assert count(db) == 20


def test_a_changed_row_updates_its_title_with_before_and_after(publisher, db):
    rows = good_rows(5)
    run(publisher, csv_file(rows))
    rows[2][3] = "99.00"
    rows[2][2] = "新作者；另一位"
    result = run(publisher, csv_file(rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 4)
    title = db.session.scalar(select(Title).where(Title.isbn == isbn(2)))
    assert title.list_price_fen == 9900 and title.authors == "新作者, 另一位"
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "title.update"))
    assert event.entity_id == str(title.id)
    assert event.before["list_price_fen"] == 1250 and event.after["list_price_fen"] == 9900
    assert event.after["contributors"] == ["author:新作者", "author:另一位"]
    assert event.actor_id == publisher.user.id


def test_columns_left_out_keep_their_values_and_statuses_follow_the_rules(publisher, db):
    full = ["ISBN", "Title", "Author", "Price", "Description", "Status"]
    run(publisher, csv_file([[isbn(1), "一", "甲", "10", "简介", "active"]], header=full))
    fewer = run(publisher, csv_file([[isbn(1), "一"]], header=["ISBN", "Title"]))
    assert (fewer.updated, fewer.unchanged) == (0, 1)
    title = db.session.scalar(select(Title))
    assert title.description == "简介" and title.list_price_fen == 1000 and title.authors == "甲"
    problems = rejected(
        publisher, csv_file([[isbn(1), "一", "forthcoming"]], header=["ISBN", "书名", "状态"])
    )
    assert has(problems, 2, "状态", "cannot become “Forthcoming”")
    withdrawn = run(publisher, csv_file([[isbn(1), "一", "停售"]], header=["ISBN", "书名", "状态"]))
    assert withdrawn.updated == 1
    assert db.session.scalar(select(Title.status)) == "withdrawn"


def test_only_an_active_publisher_imports(client_as, make_org, db):
    suspended = make_org(kind="publisher", status="suspended")
    db.session.commit()
    with pytest.raises(NotAPublisher):
        import_titles(None, suspended, csv_file(good_rows(1)), "titles.csv")
    with pytest.raises(NotAPublisher):
        import_titles(None, make_org(kind="bookstore"), csv_file(good_rows(1)), "titles.csv")
    writer = client_as("writer")
    with pytest.raises(NotAPublisher):
        import_titles(writer.user, None, csv_file(good_rows(1)), "titles.csv")
    assert count(db) == 0


def test_the_page_explains_the_columns_and_offers_a_template(publisher):
    page = publisher.get("/titles/import").get_data(as_text=True)
    assert "书号" in page and "isbn" in page and "定价" in page and "multipart/form-data" in page
    assert "/titles/import/template.csv" in page
    template = publisher.get("/titles/import/template.csv")
    assert template.status_code == 200
    assert template.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once
    assert "attachment" in template.headers["Content-Disposition"]
    lines = template.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("isbn,title,subtitle,authors") and "红楼梦" in lines[1]
    assert "Import titles" in publisher.get("/titles/").get_data(as_text=True)
    assert "/titles/import" in publisher.get("/titles/new").get_data(as_text=True)


def test_the_template_imports_as_it_is(publisher, db):
    template = publisher.get("/titles/import/template.csv").data
    response = upload(publisher, template, "titles-template.csv", follow_redirects=True)
    assert "1 titles added, 0 updated, 0 unchanged" in response.get_data(as_text=True)
    assert db.session.scalar(select(Title.title)) == "红楼梦"


def test_upload_on_the_page_imports_and_shows_the_publishers_titles(publisher, db):
    response = upload(publisher, csv_file(good_rows(3)))
    organisation_id = publisher.user.organisation_id
    assert response.status_code == 302
    assert response.headers["Location"] == f"/titles/?publisher={organisation_id}"
    page = publisher.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 titles added, 0 updated, 0 unchanged" in page and "书名2" in page


def test_problems_are_shown_escaped_and_downloadable_formula_safe(publisher, db):
    data = csv_file(
        [
            ["=cmd|' /C calc'!A0", "坏", "<script>alert(1)</script>", "10"],
            [isbn(1), "好", "", "-5"],
        ],
        header=["@ISBN", "书名", "作者", "Price<script>"],
    )
    response = upload(publisher, data, "<b>titles</b>.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing was imported" in page and "10 or 13 digits" in page
    assert "<script>" not in page and "<b>titles" not in page
    assert "Price&lt;script&gt;" in page
    report = db.session.scalar(select(ImportReport))
    assert report.user_id == publisher.user.id and report.filename == "<b>titles</b>.csv"
    link = f"/titles/import/{report.id}.csv"
    assert link in page
    download = publisher.get(link)
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["row", "column", "problem"]
    assert rows[1][:2] == ["2", "'@ISBN"]
    assert rows[2][:2] == ["3", "Price<script>"] and "negative" in rows[2][2]
    assert count(db) == 0


def test_a_report_is_only_for_the_user_who_imported(publisher, other_publisher, db):
    upload(publisher, csv_file([["12345", "坏", "", ""]]))
    report = db.session.scalar(select(ImportReport))
    assert publisher.get(f"/titles/import/{report.id}.csv").status_code == 200
    assert other_publisher.get(f"/titles/import/{report.id}.csv").status_code == 404
    assert publisher.get(f"/titles/import/{report.id + 1}.csv").status_code == 404


def test_hostile_cells_are_stored_as_text_and_escaped(publisher, db):
    hostile = [
        [isbn(1), "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "10"],
        [isbn(2), "Robert'); DROP TABLE title;--", "' OR 1=1 --", "20"],
    ]
    assert run(publisher, csv_file(hostile)).created == 2
    titles = dict(db.session.execute(select(Title.isbn, Title.title)).all())
    assert titles[isbn(1)] == "<script>alert(1)</script>"
    assert titles[isbn(2)] == "Robert'); DROP TABLE title;--"
    page = publisher.get("/titles/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    export = publisher.get("/titles/export.csv").get_data(as_text=True)
    assert "'=cmd" in export


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "titles.xls"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100), "titles.csv"),
    ],
)
def test_files_of_the_wrong_type_get_a_clear_message(publisher, db, data, filename):
    page = upload(publisher, data, filename).get_data(as_text=True)
    assert "Upload a CSV or Excel (.xlsx) file" in page
    assert count(db) == 0 and count(db, ImportReport) == 0


def test_an_xml_bomb_is_refused(publisher):
    plain = zipfile.ZipFile(io.BytesIO(xlsx_file(good_rows(1))))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w") as archive:
        for member in plain.infolist():
            content = plain.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                entities = '<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                content = b'<?xml version="1.0"?>' + entities.encode() + content
            archive.writestr(member, content)
    with pytest.raises(SpreadsheetError, match="XML that is not allowed"):
        run(publisher, bomb.getvalue(), "titles.xlsx")
    page = upload(publisher, bomb.getvalue(), "titles.xlsx").get_data(as_text=True)
    assert "XML that is not allowed" in page


def test_an_oversized_upload_gets_the_413_page(app, publisher, monkeypatch, db):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = upload(publisher, csv_file(good_rows(200)))
    assert response.status_code == 413
    assert "The upload is too large" in response.get_data(as_text=True)
    assert count(db) == 0


def test_the_page_needs_a_file_and_an_active_publisher(client_as, make_org, publisher, db):
    page = publisher.post("/titles/import", data={}).get_data(as_text=True)
    assert "Choose a CSV or Excel file" in page
    suspended = make_org(kind="publisher", status="suspended")
    db.session.commit()
    refused = client_as("publisher", organisation=suspended).get("/titles/import")
    assert refused.status_code == 403
    assert client_as("writer").get("/titles/import").status_code == 403


def test_cli_imports_and_reports_problems_with_exit_status(app, publisher, tmp_path, db):
    good = tmp_path / "titles.csv"
    good.write_bytes(csv_file(good_rows(3)))
    runner = app.test_cli_runner()
    done = runner.invoke(args=["import-titles", str(good), "--org", "人民文学出版社"])
    assert done.exit_code == 0, done.output
    assert "3 titles added, 0 updated, 0 unchanged" in done.stdout
    english_name = publisher.user.organisation.name_en  # a publisher is found by either name
    again = runner.invoke(args=["import-titles", str(good), "--org", english_name])
    assert again.exit_code == 0 and "0 titles added, 0 updated, 3 unchanged" in again.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file([[isbn(9), "好", "", "1"], ["9787020002208", "", "", ""]]))
    failed = runner.invoke(args=["import-titles", str(bad), "--org", "人民文学出版社"])
    assert failed.exit_code == 1
    assert "row 3, column ISBN: The check digit does not match" in failed.stderr
    assert "row 3, column Title: Enter the title." in failed.stderr
    assert count(db) == 3
    unknown = runner.invoke(args=["import-titles", str(good), "--org", "无此出版社"])
    assert unknown.exit_code == 1 and "No organisation" in unknown.output
    missing = runner.invoke(args=["import-titles", str(tmp_path / "nope.csv"), "--org", "x"])
    assert missing.exit_code == 2


def test_cli_refuses_an_organisation_that_is_not_a_publisher(app, make_org, tmp_path):
    make_org(name="希望书店", kind="bookstore")
    path = tmp_path / "titles.csv"
    path.write_bytes(csv_file(good_rows(1)))
    result = app.test_cli_runner().invoke(args=["import-titles", str(path), "--org", "希望书店"])
    assert result.exit_code == 1 and "active publisher" in result.output


def api_upload(client, key, data: bytes, filename="titles.csv"):
    return client.post(
        "/api/v1/titles/import",
        headers={"Authorization": f"Bearer {key}"},
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_api_imports_and_reports_problems_as_problem_json(publisher, db):
    _record, key = create_api_key(publisher.user, "api")
    db.session.commit()
    data = csv_file(good_rows(4))
    done = api_upload(publisher, key, data)
    assert done.status_code == 200
    assert done.json == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "rows": 4,
        "ignored_columns": [],
    }
    assert api_upload(publisher, key, data).json["unchanged"] == 4
    bad = api_upload(publisher, key, csv_file([[isbn(8), "好", "", "abc"]]))
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert bad.json["type"].endswith("/import-rejected")
    assert bad.json["problems"] == [
        {"row": 2, "column": "Price", "problem": "Enter an amount such as 12.50."}
    ]
    wrong = api_upload(publisher, key, b"\x89PNG\r\n\x1a\n\x00\x00", "titles.png")
    assert wrong.status_code == 415 and "Upload a CSV" in wrong.json["detail"]
    empty = api_upload(publisher, key, b"", "titles.csv")
    assert empty.status_code == 400 and empty.json["detail"] == "The file is empty."
    assert count(db) == 4


def test_api_import_needs_a_key_and_the_publisher_role(client, client_as, db):
    writer = client_as("writer")
    _record, key = create_api_key(writer.user, "api")
    db.session.commit()
    assert api_upload(writer, key, csv_file(good_rows(1))).status_code == 403
    anonymous = client.post("/api/v1/titles/import", data={})
    assert anonymous.status_code == 401 and anonymous.mimetype == "application/problem+json"
    assert count(db) == 0


def test_many_rows_keep_their_values_and_contributors(publisher, db):
    # More rows than one INSERT statement carries, and a part batch at the end.
    rows = [
        [isbn(n), f"书名{n}", f"作者{n}；合著{n}", f"{n}.5", "2021年4月", "平装" if n % 2 else ""]
        for n in range(1, 351)
    ]
    header = ["ISBN", "书名", "作者", "定价", "出版日期", "装帧"]
    assert run(publisher, csv_file(rows, header=header)).created == 350
    titles = {t.isbn: t for t in db.session.scalars(select(Title))}
    for n in (1, 62, 63, 200, 350):
        title = titles[isbn(n)]
        assert (title.title, title.list_price_fen, str(title.publication_date)) == (
            f"书名{n}",
            n * 100 + 50,
            "2021-04-01",
        )
        assert title.title_key == f"书名{n}" and title.format == "paperback"
        assert title.created_at.tzinfo is not None and title.created_at == title.updated_at
        people = [(c.name, c.name_key, c.role, c.position) for c in title.contributors]
        assert people == [
            (f"作者{n}", f"作者{n}", "author", 1),
            (f"合著{n}", f"合著{n}", "author", 2),
        ]


def test_a_file_whose_only_fault_is_an_isbn_given_twice_writes_nothing(publisher, db):
    rows = [[isbn(n), f"书名{n}", "作者", "10"] for n in range(1, 6)]
    problems = rejected(publisher, csv_file([*rows, [isbn(3), "又一次", "", ""]]))
    assert problems == {(7, "ISBN", f"The ISBN {isbn(3)} is also on row 4.")}
    assert count(db) == 0


def test_credits_are_numbered_on_across_roles(publisher, db):
    # Each title's credits in file order: authors, then translators, then illustrators,
    # whatever the other rows of the same statement hold.
    rows = [
        [
            isbn(n),
            f"书名{n}",
            f"作者{n}" + (f"；合著{n}" if n % 3 == 0 else ""),
            f"译者{n}" if n % 2 else "",
            f"绘者{n}" if n % 5 == 0 else "",
        ]
        for n in range(1, 241)
    ]
    header = ["ISBN", "书名", "作者", "译者", "绘者"]
    assert run(publisher, csv_file(rows, header=header)).created == 240
    titles = {t.isbn: t for t in db.session.scalars(select(Title))}
    for n in (1, 2, 3, 15, 30, 199, 240):
        expected = [(f"作者{n}", "author")]
        expected += [(f"合著{n}", "author")] * (n % 3 == 0)
        expected += [(f"译者{n}", "translator")] * (n % 2)
        expected += [(f"绘者{n}", "illustrator")] * (n % 5 == 0)
        people = [(c.name, c.role, c.position) for c in titles[isbn(n)].contributors]
        assert people == [(name, role, at) for at, (name, role) in enumerate(expected, 1)]


def test_a_title_added_meanwhile_is_a_conflict(publisher, db, monkeypatch):
    run(publisher, csv_file(good_rows(2)))
    monkeypatch.setattr(importing, "_existing_titles", lambda isbns: {})  # as if not yet there
    with pytest.raises(ConflictError):
        run(publisher, csv_file(good_rows(3)))


def index_names(db) -> set[str]:
    found = db.session.execute(
        text("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    )
    return set(found.scalars())


def test_large_imports_keep_every_index_whether_they_succeed_or_not(publisher, db, monkeypatch):
    if db.session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite rebuilds indexes after an import larger than the table")
    indexes = index_names(db)
    assert {"ix_title_title_key", "ix_contributor_name_key"} <= indexes
    run(publisher, csv_file(good_rows(30)))  # larger than the empty table: indexes rebuilt
    db.session.commit()
    assert index_names(db) == indexes
    plan = db.session.execute(
        text("EXPLAIN QUERY PLAN SELECT id FROM contributor WHERE name_key >= '作者'")
    ).all()
    assert "ix_contributor_name_key" in " ".join(row[-1] for row in plan)
    monkeypatch.setattr(importing, "_existing_titles", lambda isbns: {})  # as if not yet there
    with pytest.raises(ConflictError):
        run(publisher, csv_file(good_rows(80)))  # 50 new titles, then the 30 already there
    assert index_names(db) == indexes
    assert count(db) == 30
