"""Spreadsheet import (CSV and XLSX, encodings, headers, hostile files) and export."""

import csv
import io
import random
import time
import zipfile
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from alliance import spreadsheets
from alliance.spreadsheets import SpreadsheetError, normalise_header, read_table
from alliance.tabular import (
    XLSX_MIMETYPE,
    ImportRejected,
    Problem,
    attachment_header,
    csv_response,
    neutralise,
    parse_int_cell,
    problems_csv,
    xlsx_bytes,
    xlsx_response,
)

COLUMNS = {
    "isbn": {"isbn", "书号", "isbn号", "国际标准书号"},
    "title": {"title", "书名", "题名"},
    "author": {"author", "作者"},
    "price": {"price", "定价"},
    "published": {"published", "出版日期"},
}
WRONG_TYPE = "Upload a CSV or Excel (.xlsx) file. Old .xls files: save them as .xlsx first."
XML_FORBIDDEN = "This file contains XML that is not allowed."
CHINESE_CSV = (
    "书号,书名,作者,定价\r\n"
    "9787020002207,红楼梦,曹雪芹,59.70\r\n"
    "9787544253994,百年孤独,加西亚·马尔克斯,39.50\r\n"
    "9787506365437,活着,余华,20\r\n"
)


def refusal(app, data: bytes, filename: str = "upload.csv", **kwargs) -> str:
    """Return the translated (English) message read_table refuses the file with."""
    with pytest.raises(SpreadsheetError) as error:
        read_table(data, filename, COLUMNS, **kwargs)
    with app.test_request_context():
        return str(error.value.message)


def xlsx(*rows, sheets=None) -> bytes:
    """Write rows (or several named sheets of rows) as an XLSX file with openpyxl."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, sheet_rows in sheets or [("Sheet1", rows)]:
        sheet = workbook.create_sheet(title)
        for number, row in enumerate(sheet_rows, start=1):
            for column, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=number, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, replace: dict[str, bytes] | None = None, add=None) -> bytes:
    """Copy an XLSX archive, replacing or adding members, as an attacker would by hand."""
    replace = replace or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return buffer.getvalue()


def values(table, *names):
    return [tuple(row.values[name] for name in names) for row in table.rows]


# CSV: encodings and delimiters


def test_utf8_csv_without_bom():
    table = read_table(CHINESE_CSV.encode("utf-8"), "books.csv", COLUMNS)

    assert table.encoding == "utf-8"
    assert values(table, "isbn", "title", "price") == [
        ("9787020002207", "红楼梦", "59.70"),
        ("9787544253994", "百年孤独", "39.50"),
        ("9787506365437", "活着", "20"),
    ]
    assert [row.number for row in table.rows] == [2, 3, 4]
    assert table.columns_found == {"isbn", "title", "author", "price"}
    assert table.rows[0].values["published"] == ""


def test_utf8_csv_with_bom_keeps_the_first_header_clean():
    table = read_table(CHINESE_CSV.encode("utf-8-sig"), "books.csv", COLUMNS)

    assert table.encoding == "utf-8-sig"
    assert "isbn" in table.columns_found
    assert table.headers["isbn"] == "书号"


def test_gb18030_csv_from_chinese_excel():
    data = CHINESE_CSV.encode("gb18030")
    table = read_table(data, "books.csv", COLUMNS)

    assert table.encoding == "gb18030"
    assert values(table, "title", "author") == [
        ("红楼梦", "曹雪芹"),
        ("百年孤独", "加西亚·马尔克斯"),
        ("活着", "余华"),
    ]


def test_short_gbk_csv_is_read_as_gb18030_not_korean():
    # charset-normalizer guesses cp949 for this one; mainland exports are GBK
    table = read_table("书号,书名\n9787506365437,活着\n".encode("gbk"), "books.csv", COLUMNS)

    assert table.encoding == "gb18030"
    assert values(table, "title") == [("活着",)]


def test_utf16_tab_separated_unicode_text_from_excel():
    data = CHINESE_CSV.replace(",", "\t").encode("utf-16")
    table = read_table(data, "books.txt", COLUMNS)

    assert table.encoding == "utf-16"
    assert values(table, "isbn", "title")[0] == ("9787020002207", "红楼梦")


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters_are_sniffed(delimiter):
    text = "isbn{d}title{d}price\n9787020002207{d}Dream, of the Red Chamber{d}59,70\n"
    data = text.format(d=delimiter).encode()
    table = read_table(data, "books.csv", COLUMNS)

    assert values(table, "isbn", "title", "price") == [
        ("9787020002207", "Dream, of the Red Chamber", "59,70")
    ]


def test_single_column_csv_falls_back_to_comma():
    table = read_table("书名\n活着\n围城\n".encode(), "titles.csv", COLUMNS)

    assert values(table, "title") == [("活着",), ("围城",)]


def test_csv_cells_are_the_exact_text_typed():
    text = (
        "isbn,title,price\n"
        "0009787020,NaN,1.50\n"
        "9787020002207,NULL,1e5\n"
        '"=cmd|\' /C calc\'!A0","+1",@SUM(A1)\n'
        '  9787544253994  ,"  padded  ",-0\n'
    )
    table = read_table(text.encode(), "books.csv", COLUMNS)

    assert values(table, "isbn", "title", "price") == [
        ("0009787020", "NaN", "1.50"),
        ("9787020002207", "NULL", "1e5"),
        ("=cmd|' /C calc'!A0", "+1", "@SUM(A1)"),
        ("9787544253994", "padded", "-0"),
    ]


def test_quoted_newlines_stay_one_spreadsheet_row():
    text = 'isbn,title\n9787020002207,"Two\nlines"\n9787544253994,Next\n'
    table = read_table(text.encode(), "books.csv", COLUMNS, multiline=("title",))

    assert [row.number for row in table.rows] == [2, 3]
    assert table.rows[0].values["title"] == "Two\nlines"


def test_csv_starting_with_pk_is_still_csv():
    table = read_table(b"PK,isbn,title\n1,9787020002207,Dream\n", "books.csv", COLUMNS)

    assert table.ignored_columns == ["PK"]


def test_cp1252_csv_from_a_european_publisher():
    data = "isbn,title\n9780000000002,Crème brûlée à la carte, déjà vu\n".encode("cp1252")
    table = read_table(data, "books.csv", COLUMNS)

    assert table.rows[0].values["title"] == "Crème brûlée à la carte"


# Header mapping


@pytest.mark.parametrize(
    ("written", "bare"),
    [
        ("定价(元)", "定价"),
        ("定价（元）", "定价"),
        ("书号*", "书号"),
        ("＊书号", "书号"),
        (" Price (CNY) ", "price"),
        ("ISBN号", "isbn号"),
        ("ＩＳＢＮ", "isbn"),
        ("书 名", "书名"),
        ("出版-日期：", "出版日期"),
        ("【定价】", "定价"),
        ("(备注)", "备注"),
    ],
)
def test_normalise_header(written, bare):
    assert normalise_header(written) == bare


def test_chinese_headers_with_units_and_required_marks():
    data = "书号*,书名＊,定价(元),ISBN 号\n".encode() + b"1,2,3,4\n"
    with pytest.raises(SpreadsheetError):  # 书号 and ISBN号 both mean isbn
        read_table(data, "books.csv", COLUMNS)

    table = read_table("书号*,书名＊,定价（元）\n1,2,3\n".encode(), "books.csv", COLUMNS)
    assert table.columns_found == {"isbn", "title", "price"}
    assert table.headers == {"isbn": "书号*", "title": "书名＊", "price": "定价（元）"}


def test_unknown_headers_are_ignored_and_listed():
    data = "书号,备注,书名,,Remarks\n9787020002207,急,红楼梦,x,y\n".encode()
    table = read_table(data, "books.csv", COLUMNS)

    assert table.ignored_columns == ["备注", "Remarks"]
    assert table.columns_found == {"isbn", "title"}
    assert set(table.rows[0].values) == set(COLUMNS)


def test_duplicate_canonical_column_names_both_headers(app):
    message = refusal(app, "书号,书名,ISBN\n1,2,3\n".encode())

    assert "“书号”" in message
    assert "“ISBN”" in message
    assert "isbn" in message


def test_ambiguous_spellings_are_a_programming_error():
    with pytest.raises(ValueError, match="ambiguous"):
        read_table(b"a\n1\n", "x.csv", {"isbn": {"书号"}, "code": {"书号*"}})


def test_no_header_row(app):
    message = refusal(app, b"foo,bar\n1,2\n")

    assert message.startswith("No header row found")
    assert "isbn, title" in message


def test_title_rows_above_the_header_are_skipped():
    text = "2021年读书月报名表,,\n填表日期：4月1日,,\n\n书号,书名,定价\n9787020002207,红楼梦,59.7\n"
    table = read_table(text.encode(), "books.csv", COLUMNS)

    assert table.rows[0].number == 5
    assert table.ignored_columns == []


# XLSX


def test_xlsx_numbers_dates_and_chinese_headers():
    data = xlsx(
        ["书号*", "书名", "定价(元)", "出版日期", "印数"],
        [9787020002207, "红楼梦", 38.5, date(2021, 4, 23), 1200.0],
        [9787544253994, "百年孤独", 0.1 + 0.2, datetime(2021, 4, 23, 10, 30), 3],
    )
    table = read_table(data, "books.xlsx", COLUMNS)

    assert table.encoding == "xlsx"
    assert values(table, "isbn", "title", "price", "published") == [
        ("9787020002207", "红楼梦", "38.5", "2021-04-23"),
        ("9787544253994", "百年孤独", "0.3", "2021-04-23 10:30:00"),
    ]
    assert table.ignored_columns == ["印数"]
    assert table.headers["price"] == "定价(元)"


def test_xlsx_is_recognised_by_content_whatever_its_name():
    data = xlsx(["isbn", "title"], ["9787020002207", "红楼梦"])

    for name in ("books.csv", "books", "books.xls"):
        assert values(read_table(data, name, COLUMNS), "title") == [("红楼梦",)]


def test_csv_named_xlsx_is_read_as_csv():
    table = read_table(CHINESE_CSV.encode(), "books.xlsx", COLUMNS)

    assert table.encoding == "utf-8"


def test_blank_rows_keep_spreadsheet_row_numbers():
    data = xlsx(
        [],
        [None, None],
        ["书号", "书名"],
        ["9787020002207", "红楼梦"],
        [],
        ["  ", None],
        ["9787544253994", "百年孤独"],
    )
    table = read_table(data, "books.xlsx", COLUMNS)
    assert [row.number for row in table.rows] == [4, 7]

    text = "\n,,\n书号,书名\n9787020002207,红楼梦\n\n , \n9787544253994,百年孤独\n"
    table = read_table(text.encode(), "books.csv", COLUMNS)
    assert [row.number for row in table.rows] == [4, 7]


def test_xlsx_instructions_sheet_before_the_data_sheet():
    data = xlsx(
        sheets=[
            ("填表说明", [["请在第二页填写书目"], ["定价以元为单位"]]),
            ("书目", [["书号", "书名"], ["9787020002207", "红楼梦"]]),
        ]
    )
    table = read_table(data, "books.xlsx", COLUMNS)

    assert values(table, "title") == [("红楼梦",)]


def test_xlsx_formula_strings_read_back_as_text_never_run():
    data = xlsx(["isbn", "title"], ["9787020002207", "'=cmd|' /C calc'!A0"])
    table = read_table(data, "books.xlsx", COLUMNS)

    assert table.rows[0].values["title"] == "'=cmd|' /C calc'!A0"


def test_xlsx_claiming_an_absurd_row_number_is_refused_quickly(app):
    data = xlsx(["isbn", "title"], ["1", "a"])
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    sheet = sheet.replace(b'<row r="2"', b'<row r="99999999999"')
    sheet = sheet.replace(b'r="A2"', b'r="A99999999999"').replace(b'r="B2"', b'r="B99999999999"')
    started = time.monotonic()

    message = refusal(app, rezip(data, {"xl/worksheets/sheet1.xml": sheet}), "books.xlsx")

    assert message.startswith("The file has more than")
    assert time.monotonic() - started < 10


# Refused files


def test_old_xls_is_refused_with_advice(app):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"Workbook"
    assert refusal(app, ole, "books.xls") == WRONG_TYPE


def test_random_bytes_are_refused(app):
    noise = random.Random(20210423).randbytes(4096)
    assert refusal(app, noise, "books.csv") == WRONG_TYPE


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nstream\n\x00\x01\x02endstream",
        b"<html><body><table><tr><td>isbn</td></tr></table></body></html>",
        b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
    ],
)
def test_other_formats_are_refused(app, data):
    assert refusal(app, data, "books.xls") == WRONG_TYPE


def test_other_zip_files_are_refused(app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert refusal(app, buffer.getvalue(), "books.docx") == WRONG_TYPE


def test_damaged_xlsx_is_refused(app):
    data = xlsx(["isbn", "title"], ["1", "a"])

    assert refusal(app, data[: len(data) // 2], "books.xlsx").startswith("This Excel file")
    broken = rezip(data, {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"})
    assert refusal(app, broken, "books.xlsx").startswith("This Excel file cannot be read")


@pytest.mark.parametrize("data", [b"", b"   \r\n", b"\xef\xbb\xbf", b"\xff\xfe", b",,,\n,,\n"])
def test_empty_file(app, data):
    assert refusal(app, data) == "The file is empty."


def test_empty_xlsx(app):
    assert refusal(app, xlsx([]), "books.xlsx") == "The file is empty."


def test_header_only_file(app):
    message = "The file has a header row but no rows under it."
    assert refusal(app, "书号,书名\n\n".encode()) == message
    assert refusal(app, xlsx(["书号", "书名"]), "books.xlsx") == message


def test_too_many_rows(app):
    text = "isbn,title\n" + "".join(f"{n},t{n}\n" for n in range(6))

    assert len(read_table(text.encode(), "books.csv", COLUMNS, max_rows=6).rows) == 6
    message = refusal(app, text.encode(), max_rows=5)
    assert message == "The file has more than 5 rows; split it into smaller files."
    data = xlsx(["isbn", "title"], *[[n, "t"] for n in range(6)])
    assert refusal(app, data, "books.xlsx", max_rows=5) == message


SST_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
LAUGHS = b"".join(
    b'<!ENTITY lol%d "%s">' % (level, b"".join([b"&lol%d;" % (level - 1)] * 10))
    for level in range(1, 10)
)
BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [<!ENTITY lol0 "lol">'
    + LAUGHS
    + b"]>\n<sst "
    + SST_NS
    + b' count="3" uniqueCount="3"><si><t>isbn</t></si><si><t>title</t></si>'
    + b"<si><t>&lol9;</t></si></sst>"
)
PLAIN_STRINGS = (
    b"<sst "
    + SST_NS
    + b' count="3" uniqueCount="3"><si><t>isbn</t></si><si><t>title</t></si>'
    + b"<si><t>red chamber</t></si></sst>"
)


def with_shared_strings(shared_strings: bytes) -> bytes:
    """Build an XLSX whose cells point into xl/sharedStrings.xml, as Excel writes them."""
    data = xlsx(["isbn", "title"], ["9787020002207", "x"])
    archive = zipfile.ZipFile(io.BytesIO(data))
    types = archive.read("[Content_Types].xml").replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    sheet = (
        b"<worksheet "
        + SST_NS
        + b'><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        + b'</row><row r="2"><c r="A2"><v>9787020002207</v></c><c r="B2" t="s"><v>2</v></c>'
        + b"</row></sheetData></worksheet>"
    )
    return rezip(
        data,
        {"[Content_Types].xml": types, "xl/worksheets/sheet1.xml": sheet},
        add={"xl/sharedStrings.xml": shared_strings},
    )


def test_xml_bomb_in_shared_strings_is_refused(app):
    plain = read_table(with_shared_strings(PLAIN_STRINGS), "books.xlsx", COLUMNS)
    assert values(plain, "isbn", "title") == [("9787020002207", "red chamber")]

    bomb = with_shared_strings(BILLION_LAUGHS)
    assert refusal(app, bomb, "books.xlsx") == XML_FORBIDDEN


def test_external_entity_in_a_sheet_is_refused(app):
    data = xlsx(["isbn", "title"], ["9787020002207", "红楼梦"])
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    doctype = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    sheet = doctype + sheet.replace(b"<sheetData>", b"<sheetData>&xxe;")
    hostile = rezip(data, {"xl/worksheets/sheet1.xml": sheet})

    assert refusal(app, hostile, "books.xlsx") == XML_FORBIDDEN


def test_xlsx_is_refused_if_openpyxl_would_not_use_defusedxml(app, monkeypatch):
    monkeypatch.setattr("openpyxl.xml.DEFUSEDXML", False)
    data = xlsx(["isbn", "title"], ["9787020002207", "红楼梦"])

    assert refusal(app, data, "books.xlsx") == XML_FORBIDDEN


def test_zip_bomb_by_compression_ratio_is_refused(app):
    data = xlsx(["isbn", "title"], ["9787020002207", "红楼梦"])
    bomb = rezip(data, add={"xl/media/image1.png": bytes(20 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024

    assert refusal(app, bomb, "books.xlsx").startswith("This Excel file unpacks to too much")


def test_zip_bomb_by_total_size_is_refused(app, monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_UNPACKED", 64 * 1024)
    data = xlsx(["isbn", "title"], ["9787020002207", "红楼梦"])
    padded = rezip(data, add={"xl/media/image1.png": random.Random(1).randbytes(100 * 1024)})

    assert refusal(app, padded, "books.xlsx").startswith("This Excel file unpacks to too much")


# Hostile input never raises anything but SpreadsheetError (or ImportRejected, naming cells)

SAMPLE_XLSX = xlsx(["书号", "书名", "定价"], [9787020002207, "红楼梦", 38.5])


def _read_or_refuse(data: bytes) -> None:
    try:
        table = read_table(data, "upload", COLUMNS, max_rows=50)
    except SpreadsheetError:
        return
    except ImportRejected as rejected:  # cells that break the input rule, each named
        assert rejected.problems and all(problem.row for problem in rejected.problems)
        return
    assert isinstance(table, spreadsheets.Table)
    assert all(isinstance(text, str) for row in table.rows for text in row.values.values())


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        st.binary(max_size=2048),
        st.binary(max_size=512).map(lambda tail: b"PK\x03\x04" + tail),
        st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"isbn,title\n"]).flatmap(
            lambda head: st.binary(max_size=512).map(lambda tail: head + tail)
        ),
        st.text(max_size=500).map(lambda text: ("isbn,title\n" + text).encode("utf-8")),
    )
)
def test_any_bytes_give_a_table_or_a_spreadsheet_error(data):
    _read_or_refuse(data)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_damaged_xlsx_gives_a_table_or_a_spreadsheet_error(data):
    corrupted = bytearray(SAMPLE_XLSX)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(corrupted) - 1))
        corrupted[position] = data.draw(st.integers(0, 255))
    _read_or_refuse(bytes(corrupted))


# Export


def test_xlsx_export_round_trip_neutralises_formulas():
    header = ["isbn", "title", "price", "published"]
    rows = [
        ["9787020002207", "红楼梦", 38.5, date(2021, 4, 23)],
        ["0009787020", "=cmd|' /C calc'!A0", 12, None],
        ["9787544253994", "+1-2", -3, datetime(2021, 4, 23, 10, 30)],
        ["9787506365437", "@SUM(A1)\x01", 1234567890123456789, None],
    ]
    data = xlsx_bytes(header, rows, sheet_title="书目: 2021/04")
    table = read_table(data, "export.xlsx", COLUMNS)

    assert values(table, "isbn", "title", "price", "published") == [
        ("9787020002207", "红楼梦", "38.5", "2021-04-23"),
        ("0009787020", "'=cmd|' /C calc'!A0", "12", ""),
        ("9787544253994", "'+1-2", "-3", "2021-04-23 10:30:00"),
        ("9787506365437", "'@SUM(A1)", "1234567890123456789", ""),
    ]
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "书目 202104"
    assert sheet.freeze_panes == "A2"
    assert sheet["A2"].data_type == "s"  # ISBN-like digits stay text
    assert sheet["C2"].data_type == "n"  # numbers stay numbers
    assert sheet["C3"].value == 12
    assert sheet["C5"].data_type == "s"  # too many digits for Excel to keep exactly
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_xlsx_export_of_aware_datetimes_uses_local_wall_time(app):
    from datetime import UTC

    moment = datetime(2021, 4, 23, 2, 0, tzinfo=UTC)
    data = xlsx_bytes(["published"], [[moment]])
    assert load_workbook(io.BytesIO(data)).active["A2"].value == datetime(2021, 4, 23, 10, 0)
    with app.test_request_context():
        data = xlsx_bytes(["published"], [[moment]])
    assert load_workbook(io.BytesIO(data)).active["A2"].value == datetime(2021, 4, 23, 10, 0)


def test_xlsx_response(app):
    with app.test_request_context():
        response = xlsx_response("书目.xlsx", ["isbn"], [["9787020002207"]])

    assert response.mimetype == XLSX_MIMETYPE
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\".xlsx\"; filename*=UTF-8''%E4%B9%A6%E7%9B%AE.xlsx"
    )
    assert read_table(response.get_data(), "x.xlsx", COLUMNS).rows[0].values["isbn"] == (
        "9787020002207"
    )


def test_csv_response_keeps_its_header_and_neutralises(app):
    with app.test_request_context():
        response = csv_response("audit-log.csv", ["a"], [["=1+1"]])
        body = response.get_data(as_text=True)

    assert response.headers["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
    assert body == "\ufeffa\r\n'=1+1\r\n"


def test_attachment_header_cannot_be_broken_out_of():
    assert attachment_header('a"b\r\n.csv') == 'attachment; filename="a\'b.csv"'


# Problems and cell helpers


def test_problems_csv_is_formula_safe():
    problems = [
        Problem(2, "isbn", '=HYPERLINK("http://x")'),
        Problem(None, None, "缺少书号列"),
        Problem(7, "price", "Enter an amount such as 12.50."),
    ]
    text = problems_csv(problems)

    assert text.startswith("\ufeffrow,column,problem\r\n")
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == [
        ["row", "column", "problem"],
        ["2", "isbn", '\'=HYPERLINK("http://x")'],
        ["", "", "缺少书号列"],
        ["7", "price", "Enter an amount such as 12.50."],
    ]


def test_import_rejected_carries_every_problem(app):
    problems = [Problem(2, "isbn", "bad"), Problem(3, "title", "missing")]
    error = ImportRejected(problems)

    assert error.problems == problems
    assert error.status == 422
    with app.test_request_context():
        assert str(error.message) == "The file has 2 problems; nothing was imported."
    assert error.details["problems"][1] == {"row": 3, "column": "title", "problem": "missing"}


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1200", 1200),
        ("1,200", 1200),
        ("1,234,567", 1234567),
        ("１２００", 1200),
        ("１，２００", 1200),
        ("1200.0", 1200),
        ("1,200.00", 1200),
        (" 42 ", 42),
        ("-5", -5),
        ("0", 0),
        (7, 7),
    ],
)
def test_parse_int_cell_accepts(text, number):
    assert parse_int_cell(text) == number


@pytest.mark.parametrize(
    "text", ["", " ", "12.5", "1,2", "12,00", "1e3", "abc", "1 200", "١٢", "--1", "1.0.0", None]
)
def test_parse_int_cell_refuses(text):
    with pytest.raises(ValueError):
        parse_int_cell(text)


def test_plain_negative_numbers_stay_numbers_but_formulas_do_not():
    assert neutralise("-50.00") == "-50.00"
    assert neutralise(-3) == "-3"
    for formula in ("-1+1", "-2*A1", "=1", "+5", "@A1", "-cmd|' /C calc'!A0", "-1e3"):
        assert neutralise(formula).startswith("'"), formula


def test_the_xlsx_cell_rule_drops_what_openpyxl_refuses():
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from alliance.tabular import EXCEL_ILLEGAL

    assert EXCEL_ILLEGAL.pattern == ILLEGAL_CHARACTERS_RE.pattern  # a copy, not an import
