"""Sales spreadsheets: every bad row reported, all or nothing, encodings, idempotent re-imports."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from alliance.audit import AuditEvent
from alliance.errors import ConflictError
from alliance.i18n import local_today
from alliance.tabular import ImportRejected
from campaigns import ledger
from campaigns.models import CampaignStatus, LedgerEntry, Sale
from campaigns.sales.importing import import_sales
from tests import factories


@pytest.fixture
def running(db, staff, approved, make_campaign, publisher_user, start_running):
    """Return (user, [enrolment, enrolment], campaign): two titles allocated, campaign running."""
    campaign = make_campaign()
    user = publisher_user()
    enrolments = [approved(campaign, user=user, subsidy=500) for _ in range(2)]
    for enrolment in enrolments:
        ledger.allocate(staff, enrolment, 50_000)
    start_running(campaign)
    return user, enrolments, campaign


def csv_bytes(rows, header="isbn,date,channel,units,revenue", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header.split(","))
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def day(offset=0) -> str:
    return (local_today() + timedelta(days=offset)).isoformat()


def counts(db):
    return tuple(
        db.session.scalar(select(func.count(model.id))) for model in (Sale, LedgerEntry, AuditEvent)
    )


def test_a_file_of_sales_is_recorded_with_its_subsidy(db, ctx, running):
    user, (first, second), campaign = running
    data = csv_bytes(
        [
            (first.title.isbn, day(-1), "store", 10, "400.00"),
            (first.title.isbn, day(-1), "livestream", 20, "¥800"),
            (second.title.isbn, day(0), "", 4, "160"),
        ]
    )
    result = import_sales(user, campaign, data, "sales.csv")
    db.session.commit()
    assert (result.created, result.corrected, result.unchanged, result.rows) == (3, 0, 0, 3)
    assert result.subsidy_fen == 34 * 500 and result.short == 0
    assert first.spent_fen == 15_000 and second.spent_fen == 2_000
    assert ledger.invariant_problems(campaign) == []
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sale.import"))
    assert event.after["created"] == 3 and event.after["filename"] == "sales.csv"


def test_reimporting_the_same_file_changes_nothing(db, ctx, running):
    user, (first, second), campaign = running
    data = csv_bytes(
        [(first.title.isbn, day(-1), "store", 10, "400"), (second.title.isbn, day(), "", 1, "4")]
    )
    import_sales(user, campaign, data, "sales.csv")
    db.session.commit()
    before = counts(db)
    again = import_sales(user, campaign, data, "sales.csv")
    db.session.commit()
    assert (again.created, again.corrected, again.unchanged) == (0, 0, 2)
    sales, entries, events = before
    assert counts(db) == (sales, entries, events + 1)  # the import itself is audited, as every one
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "sale.import" and event.after["unchanged"] == 2


def test_a_changed_row_corrects_its_sale_and_the_subsidy(db, ctx, running):
    user, (first, _second), campaign = running
    import_sales(user, campaign, csv_bytes([(first.title.isbn, day(), "store", 10, "1")]), "a")
    db.session.commit()
    result = import_sales(
        user, campaign, csv_bytes([(first.title.isbn, day(), "store", 4, "1")]), "b"
    )
    db.session.commit()
    assert (result.created, result.corrected, result.subsidy_fen) == (0, 1, -3_000)
    assert first.spent_fen == 2_000
    assert ledger.invariant_problems(campaign) == []


def test_capped_sales_are_counted(db, ctx, running):
    user, (first, _second), campaign = running
    result = import_sales(
        user, campaign, csv_bytes([(first.title.isbn, day(), "store", 101, "1")]), "a"
    )
    assert result.short == 1 and result.subsidy_fen == 50_000


def test_every_bad_row_is_reported_and_nothing_is_written(db, ctx, running):
    user, (first, second), campaign = running
    rows = [
        (first.title.isbn, day(), "store", 1, "1"),  # row 2: fine
        ("978-7-123", day(), "store", 1, "1"),  # 3: not an ISBN
        ("9787020002207", day(), "store", 1, "1"),  # 4: not one of the user's enrolments
        (second.title.isbn, "2021-02-30", "store", 1, "1"),  # 5: no such day
        (second.title.isbn, day(1), "store", 1, "1"),  # 6: the future
        (second.title.isbn, day(-11), "store", 1, "1"),  # 7: before the sale
        (second.title.isbn, day(), "mail", 1, "1"),  # 8: unknown channel
        (second.title.isbn, day(-1), "store", -1, "1"),  # 9: negative copies
        (second.title.isbn, day(-2), "store", "1.5", "1"),  # 10: part of a copy
        (second.title.isbn, day(-3), "store", 1, "=cmd|' /C calc'!A0"),  # 11: not money
        (second.title.isbn, day(-4), "store", 1, "-5"),  # 12: negative money
        (first.title.isbn, day(), "门店", 2, "2"),  # 13: the same sale as row 2
    ]
    before = counts(db)
    with pytest.raises(ImportRejected) as excinfo:
        import_sales(user, campaign, csv_bytes(rows), "bad.csv")
    db.session.rollback()
    found = [(p.row, p.column) for p in excinfo.value.problems]
    assert found == [
        (3, "isbn"),
        (4, "isbn"),
        (5, "date"),
        (6, "date"),
        (7, "date"),
        (8, "channel"),
        (9, "units"),
        (10, "units"),
        (11, "revenue"),
        (12, "revenue"),
        (13, "isbn"),
    ]
    messages = {p.row: p.message for p in excinfo.value.problems}
    assert "also on row 2" in messages[13]
    assert "9787020002207" in messages[4]
    assert counts(db) == before


def test_missing_columns_are_named(db, ctx, running):
    user, _enrolments, campaign = running
    with pytest.raises(ImportRejected) as excinfo:
        import_sales(user, campaign, csv_bytes([("x", "y")], header="isbn,channel"), "a.csv")
    assert [(p.row, p.column) for p in excinfo.value.problems] == [
        (None, "date"),
        (None, "units"),
        (None, "revenue"),
    ]


def test_chinese_headers_in_gb18030(db, ctx, running):
    user, (first, _second), campaign = running
    data = csv_bytes(
        [(first.title.isbn, day(), "直播", "1,200", "4,776.00元")],
        header="书号,日期,渠道,销量,销售额（元）",
        encoding="gb18030",
    )
    result = import_sales(user, campaign, data, "销售.csv")
    db.session.commit()
    sale = db.session.scalar(select(Sale))
    assert result.created == 1
    assert (sale.channel, sale.units, sale.revenue_fen) == ("livestream", 1200, 477_600)


def test_utf8_with_a_bom_and_problems_named_by_the_files_headers(db, ctx, running):
    user, (first, _second), campaign = running
    data = b"\xef\xbb\xbf" + csv_bytes(
        [(first.title.isbn, day(), "门店", "lots", "1")], header="ISBN,日期,渠道,数量,金额"
    )
    with pytest.raises(ImportRejected) as excinfo:
        import_sales(user, campaign, data, "sales.csv")
    assert [(p.row, p.column) for p in excinfo.value.problems] == [(2, "数量")]


def test_an_excel_file_with_date_cells_and_numeric_isbns(db, ctx, running):
    user, (first, second), campaign = running
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ISBN", "Date", "Channel", "Units", "Revenue"])
    today = local_today()
    sheet.append(
        [int(first.title.isbn), datetime(today.year, today.month, today.day), "store", 3, 120]
    )
    sheet.append([second.title.isbn, today.isoformat(), "Livestream", 2.0, 80.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = import_sales(user, campaign, buffer.getvalue(), "sales.xlsx")
    db.session.commit()
    assert result.created == 2
    revenues = sorted(db.session.scalars(select(Sale.revenue_fen)))
    assert revenues == [8_050, 12_000]


def test_a_campaign_that_takes_no_reports_refuses_the_file(db, ctx, running):
    user, (first, _second), campaign = running
    campaign.ends = local_today() - timedelta(days=31)
    campaign.starts = campaign.ends - timedelta(days=5)
    factories.move_campaign(campaign, CampaignStatus.FINISHED)
    db.session.commit()
    with pytest.raises(ConflictError):
        import_sales(user, campaign, csv_bytes([(first.title.isbn, day(), "", 1, "1")]), "a")


def test_a_campaign_still_running_after_its_reporting_window_refuses_the_file(db, ctx, running):
    user, (first, _second), campaign = running
    campaign.ends = local_today() - timedelta(days=31)
    campaign.starts = campaign.ends - timedelta(days=5)
    db.session.commit()
    assert campaign.status == CampaignStatus.RUNNING
    before = counts(db)
    with pytest.raises(ConflictError, match="30 days"):
        import_sales(user, campaign, csv_bytes([(first.title.isbn, day(-31), "", 1, "1")]), "a")
    assert counts(db) == before


def test_rows_draw_in_the_files_order_until_the_allocation_is_used_up(db, ctx, running):
    user, (first, second), campaign = running
    rows = [
        (first.title.isbn, day(-2), "store", 60, "1"),
        (first.title.isbn, day(-1), "store", 60, "1"),
        (second.title.isbn, day(-1), "store", 2, "1"),
    ]
    result = import_sales(user, campaign, csv_bytes(rows), "a.csv")
    db.session.commit()
    drawn = dict(
        db.session.execute(
            select(Sale.sale_date, Sale.subsidy_fen).where(Sale.enrolment_id == first.id)
        ).all()
    )
    assert sorted(drawn.values()) == [20_000, 30_000]
    assert result.short == 1 and result.subsidy_fen == 51_000
    assert first.spent_fen == 50_000 and campaign.spent_fen == 51_000
    assert ledger.invariant_problems(campaign) == []
    spends = db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "spend")).all()
    assert sorted(e.amount_fen for e in spends) == [1_000, 20_000, 30_000]
    assert all(e.sale_id is not None for e in spends)
