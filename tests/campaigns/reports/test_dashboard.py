"""The staff dashboard: totals agree with the ledger, charts, empty state, bounded queries."""

import importlib.util
import warnings
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from defusedxml import ElementTree as ET
from sqlalchemy import select

from alliance.auth.roles import Role
from campaigns import ledger
from campaigns.enrolments import services as enrolling
from campaigns.models import Channel, EntryKind, LedgerEntry, Sale
from campaigns.reports import charts, dashboard

DAY_1 = date(2026, 11, 1)
DAY_2 = date(2026, 11, 3)
SVG = "{http://www.w3.org/2000/svg}"


def spend_on(db, monkeypatch, staff, enrolment, day, units, revenue_fen):
    """Record a sale of `units` on `day` and draw its subsidy from the ledger."""
    monkeypatch.setattr(ledger, "local_today", lambda: day)
    sale = Sale(
        campaign_id=enrolment.campaign_id,
        enrolment_id=enrolment.id,
        publisher_id=enrolment.publisher_id,
        sale_date=day,
        channel=Channel.STORE.value,
        units=units,
        revenue_fen=revenue_fen,
    )
    db.session.add(sale)
    db.session.flush()
    amount = units * enrolment.subsidy_per_unit_fen
    sale.subsidy_fen = ledger.spend(staff, enrolment, amount, sale)
    db.session.commit()


@pytest.fixture
def populated(db, monkeypatch, staff, make_campaign, make_title, approved, publisher_user):
    """A campaign with two publishers, three approved titles, one pending, money and sales."""
    campaign = make_campaign()
    press_a = publisher_user()
    press_a.organisation.name = "上海文艺出版社"
    press_a.organisation.name_en = "Shanghai Literature Press"
    press_b = publisher_user()
    press_b.organisation.name = "中华书局"
    press_b.organisation.name_en = "Zhonghua Book Company"
    novel = approved(campaign, user=press_a, subsidy=500)
    novel.title.title = "平凡的世界"
    album = approved(campaign, user=press_a, clc_class="J221")
    album.title.title = "中国画谱"
    classic = approved(campaign, user=press_b, subsidy=500)
    classic.title.title = "论语译注"
    db.session.commit()
    ledger.allocate(staff, novel, 60_000)
    ledger.allocate(staff, album, 30_000)
    ledger.allocate(staff, classic, 50_000)
    ledger.release(staff, classic, 10_000)
    db.session.commit()
    spend_on(db, monkeypatch, staff, novel, DAY_1, 20, 80_000)
    spend_on(db, monkeypatch, staff, classic, DAY_2, 10, 40_000)
    spend_on(db, monkeypatch, staff, novel, DAY_2, 4, 16_000)
    # A pending enrolment counts as an enrolment but holds no money.
    waiting = make_title(press_b.organisation, clc_class="I210")
    values = enrolling.EnrolmentInput(waiting.isbn, 4000, 500, 10, 100)
    enrolling.enrol_title(press_b, campaign, values)
    db.session.commit()
    return campaign, novel, album, classic


def test_the_totals_agree_with_the_ledger(ctx, populated):
    campaign = populated[0]
    figures = dashboard.overview(campaign.id)
    totals = ledger.ledger_totals(campaign)
    assert figures.allocated_fen == totals[EntryKind.ALLOCATE] + totals[EntryKind.RELEASE]
    assert figures.allocated_fen == 60_000 + 30_000 + 40_000
    assert figures.spent_fen == totals[EntryKind.SPEND] == (20 + 10 + 4) * 500
    assert figures.remaining_fen == 1_000_000 - 130_000
    assert figures.by_status["approved"] == 3
    assert figures.by_status["pending"] == 1
    assert figures.enrolments == 4
    assert ledger.invariant_problems(campaign) == []


def test_the_category_and_publisher_figures_add_up(ctx, populated):
    campaign = populated[0]
    categories = {share.key: share for share in dashboard.by_category(campaign.id)}
    assert set(categories) == {"I", "J"}
    assert categories["I"].label == "I · Literature"
    assert categories["I"].allocated_fen == 100_000
    assert categories["I"].spent_fen == 17_000
    assert (categories["I"].enrolments, categories["I"].approved) == (3, 2)
    assert (categories["J"].allocated_fen, categories["J"].spent_fen) == (30_000, 0)
    publishers = dashboard.by_publisher(campaign.id, "en", "Others")
    assert [p.label for p in publishers] == ["Shanghai Literature Press", "Zhonghua Book Company"]
    assert [p.allocated_fen for p in publishers] == [90_000, 40_000]
    assert [p.spent_fen for p in publishers] == [12_000, 5_000]
    assert [p.enrolments for p in publishers] == [2, 2]
    assert dashboard.by_publisher(campaign.id, "zh", "其他")[0].label == "上海文艺出版社"


def test_publishers_beyond_the_top_are_added_up_as_others(ctx, populated, approved, staff, db):
    campaign = populated[0]
    third = approved(campaign)
    ledger.allocate(staff, third, 1_000)
    db.session.commit()
    publishers = dashboard.by_publisher(campaign.id, "en", "Others", top=1)
    assert [p.label for p in publishers] == ["Shanghai Literature Press", "Others"]
    assert publishers[1].allocated_fen == 40_000 + 1_000
    assert publishers[1].enrolments == 3
    assert sum(p.allocated_fen for p in publishers) == dashboard.overview(campaign.id).allocated_fen


def test_spend_over_time_and_top_titles(ctx, populated):
    campaign = populated[0]
    days = dashboard.spend_by_day(campaign.id)
    assert [(row.day, row.spent_fen) for row in days] == [(DAY_1, 10_000), (DAY_2, 7_000)]
    by_spend = dashboard.top_titles(campaign.id, "en", by="spent")
    assert [(t.title, t.spent_fen, t.units) for t in by_spend] == [
        ("平凡的世界", 12_000, 24),
        ("论语译注", 5_000, 10),
    ]
    by_units = dashboard.top_titles(campaign.id, "en", by="units")
    assert [(t.title, t.units, t.revenue_fen) for t in by_units] == [
        ("平凡的世界", 24, 96_000),
        ("论语译注", 10, 40_000),
    ]


def test_a_sale_reported_days_later_is_spent_on_the_day_it_was_sold(
    ctx, populated, db, staff, monkeypatch
):
    campaign, novel = populated[0], populated[1]
    sale = db.session.scalars(select(Sale).where(Sale.enrolment_id == novel.id)).first()
    monkeypatch.setattr(ledger, "local_today", lambda: date(2026, 11, 30))
    ledger.spend(staff, novel, 1_000, sale)  # a correction recorded on 30 November
    db.session.commit()
    days = [(row.day, row.spent_fen) for row in dashboard.spend_by_day(campaign.id)]
    assert days == [(DAY_1, 10_000 + 1_000), (DAY_2, 7_000)]
    from_ledger = db.session.execute(dashboard.ledger_spend_by_day(campaign.id)).all()
    assert [tuple(row) for row in from_ledger] == days


def test_a_negative_spend_lowers_the_day_it_is_recorded(ctx, populated, db, staff, monkeypatch):
    campaign, novel = populated[0], populated[1]
    monkeypatch.setattr(ledger, "local_today", lambda: DAY_2)
    ledger.spend(staff, novel, -2_000, None)
    db.session.commit()
    assert dashboard.spend_by_day(campaign.id)[-1].spent_fen == 5_000
    assert dashboard.overview(campaign.id).spent_fen == 15_000


def test_the_per_day_table_always_equals_the_ledger(ctx, populated, db, staff, monkeypatch):
    campaign, novel, _album, classic = populated
    monkeypatch.setattr(ledger, "local_today", lambda: DAY_1)
    ledger.spend(staff, classic, 1_500, None)
    ledger.spend(staff, novel, -500, None)
    db.session.rollback()  # a rolled-back spend leaves no trace in either
    ledger.spend(staff, novel, -500, None)
    db.session.commit()
    from_ledger = db.session.execute(dashboard.ledger_spend_by_day(campaign.id)).all()
    from_table = db.session.execute(dashboard.select_spend_by_day(campaign.id)).all()
    assert [tuple(row) for row in from_table] == [tuple(row) for row in from_ledger]
    assert [tuple(row) for row in from_table] == [(DAY_1, 9_500), (DAY_2, 7_000)]
    assert sum(row.spent_fen for row in from_table) == dashboard.overview(campaign.id).spent_fen


def test_the_staff_page_shows_the_figures(populated, client_as):
    campaign = populated[0]
    client = client_as(Role.CAMPAIGN_STAFF)
    page = client.get(f"/campaigns/{campaign.id}/dashboard?lang=en").get_data(as_text=True)
    assert "Reading Month" in page
    assert "CN¥1,300.00" in page  # allocated
    assert "CN¥170.00" in page  # spent
    assert "CN¥8,700.00" in page  # remaining
    assert "I · Literature" in page and "Zhonghua Book Company" in page
    assert "平凡的世界" in page
    assert f'/campaigns/{campaign.id}/charts/categories.svg"' in page
    chinese = client.get(f"/campaigns/{campaign.id}/dashboard?lang=zh").get_data(as_text=True)
    assert campaign.name in chinese and "中华书局" in chinese
    assert "¥1,300.00" in chinese


def test_an_empty_campaign_says_so(make_campaign, client_as):
    campaign = make_campaign()
    client = client_as(Role.CAMPAIGN_STAFF)
    response = client.get(f"/campaigns/{campaign.id}/dashboard?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No publisher has enrolled a title in this campaign yet" in page
    assert "charts/categories.svg" not in page
    chart = client.get(f"/campaigns/{campaign.id}/charts/budget.svg")
    assert chart.status_code == 200
    ET.fromstring(chart.data)


def test_only_staff_see_the_dashboard(populated, client_as):
    campaign = populated[0]
    assert client_as(Role.PUBLISHER).get(f"/campaigns/{campaign.id}/dashboard").status_code == 403
    admin = client_as(Role.ADMIN)
    assert admin.get(f"/campaigns/{campaign.id}/charts/budget.svg").status_code == 403
    staff = client_as(Role.CAMPAIGN_STAFF)
    assert staff.get("/campaigns/999999/dashboard").status_code == 404
    nonsense = staff.get(f"/campaigns/{campaign.id}/charts/nonsense.svg")
    assert nonsense.status_code == 404 and "No such chart." in nonsense.text
    assert staff.get(f"/campaigns/{campaign.id}/charts/<script>.svg").status_code == 404


@pytest.mark.parametrize(
    ("chart", "names"),
    [
        ("categories", ["I · Literature", "J · Art"]),
        ("publishers", ["Shanghai Literature Press", "Zhonghua Book Company"]),
        ("spend", ["2026-11-01", "2026-11-03"]),
        ("titles", ["平凡的世界", "论语译注"]),
        ("units", ["平凡的世界", "论语译注"]),
        ("budget", ["CN¥1,300.00", "CN¥8,700.00"]),
    ],
)
def test_charts_are_valid_svg_naming_what_they_draw(populated, client_as, chart, names):
    campaign = populated[0]
    client = client_as(Role.CAMPAIGN_STAFF)
    response = client.get(f"/campaigns/{campaign.id}/charts/{chart}.svg?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    root = ET.fromstring(response.data)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text
    description = root.find(f"{SVG}desc").text
    for name in names:
        assert name in description


def test_a_chart_is_drawn_again_when_its_figures_move(populated, client_as, approved, staff, db):
    campaign = populated[0]
    client = client_as(Role.CAMPAIGN_STAFF)
    url = f"/campaigns/{campaign.id}/charts/publishers.svg?lang=en"
    first = client.get(url).get_data(as_text=True)
    assert client.get(url).get_data(as_text=True) == first
    newcomer = approved(campaign)
    newcomer.publisher.name_en = "Newcomer Press"
    ledger.allocate(staff, newcomer, 95_000)
    db.session.commit()
    assert "Newcomer Press" in client.get(url).get_data(as_text=True)


def test_chart_text_follows_the_language(populated, client_as):
    campaign = populated[0]
    client = client_as(Role.CAMPAIGN_STAFF)
    svg = client.get(f"/campaigns/{campaign.id}/charts/categories.svg?lang=zh").get_data(True)
    assert "I · 文学" in svg
    svg = client.get(f"/campaigns/{campaign.id}/charts/publishers.svg?lang=zh").get_data(True)
    assert "上海文艺出版社" in svg and "中华书局" in svg


@contextmanager
def fonts(names):
    """Draw with only these CJK font names tried."""
    charts._font_state.clear()
    original = charts.CJK_FONTS
    charts.CJK_FONTS = names
    try:
        yield
    finally:
        charts.CJK_FONTS = original
        charts._font_state.clear()


def _draw_chinese() -> str:
    return charts.share_bars(
        "按出版社", ["上海文艺出版社", "中华书局"], [90_000, 40_000], [12_000, 5_000],
        {"allocated": "已分配", "spent": "已使用", "remaining": "剩余"}, "元", str,
    )  # fmt: skip


def test_chinese_is_drawn_with_a_cjk_font_without_missing_glyphs():
    from matplotlib import font_manager

    if "Noto Sans CJK SC" not in {f.name for f in font_manager.fontManager.ttflist}:
        pytest.skip("Noto Sans CJK SC is not installed")
    with fonts(charts.CJK_FONTS), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        svg = _draw_chinese()
    assert not [w for w in caught if "missing from font" in str(w.message)]
    root = ET.fromstring(svg)
    assert root.findall(f".//{SVG}text") == []  # glyphs are paths: the same in every browser
    assert "上海文艺出版社" in root.find(f"{SVG}desc").text


def test_without_a_cjk_font_the_text_is_left_to_the_browser():
    with fonts(["No Such Font SC"]), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        svg = _draw_chinese()
    texts = [el.text for el in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "上海文艺出版社" in texts and "中华书局" in texts


def _fill(db, monkeypatch, staff, campaign, approved, users, per_user):
    for user in users:
        for number in range(per_user):
            enrolment = approved(campaign, user=user, clc_class="IGJC"[number % 4] + "12")
            ledger.allocate(staff, enrolment, 1_000)
            db.session.commit()
            spend_on(db, monkeypatch, staff, enrolment, DAY_1 + timedelta(days=number), 1, 4000)


def test_the_page_runs_the_same_queries_for_few_or_many_enrolments(
    db, monkeypatch, staff, make_campaign, approved, publisher_user, client_as, statements_in
):
    client = client_as(Role.CAMPAIGN_STAFF)
    small, large = make_campaign(), make_campaign()
    _fill(db, monkeypatch, staff, small, approved, [publisher_user()], 2)
    _fill(db, monkeypatch, staff, large, approved, [publisher_user() for _ in range(3)], 12)
    counts = []
    for url in [f"/campaigns/{small.id}/dashboard", f"/campaigns/{large.id}/dashboard"]:
        with statements_in() as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert counts[1] <= 12


def test_the_publisher_page_runs_the_same_queries_for_few_or_many_enrolments(
    app, db, monkeypatch, staff, make_campaign, approved, publisher_user, log_in, statements_in
):
    user = publisher_user()
    small, large = make_campaign(), make_campaign()
    _fill(db, monkeypatch, staff, small, approved, [user], 1)
    _fill(db, monkeypatch, staff, large, approved, [user], 25)
    client = app.test_client()
    log_in(client, user)
    counts = []
    for url in [f"/campaigns/{small.id}/mine", f"/campaigns/{large.id}/mine"]:
        with statements_in() as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert counts[1] <= 14


def test_migration_0017_sums_older_spends_on_their_sales_days(ctx, populated, db, staff):
    """A spend written before 0017 carries the day it was recorded; the table moves it."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    campaign, novel = populated[0], populated[1]
    sale = db.session.scalars(select(Sale).where(Sale.enrolment_id == novel.id)).first()
    late = date(2026, 11, 30)
    # An entry as the ledger wrote them before: drawn by a DAY_1 sale, dated when recorded.
    entry = LedgerEntry(
        campaign_id=campaign.id, enrolment_id=novel.id, publisher_id=novel.publisher_id,
        kind=EntryKind.SPEND.value, amount_fen=1, platform_fen=1, publisher_fen=0, day=late,
        sale_id=sale.id,
    )  # fmt: skip
    db.session.add(entry)
    db.session.flush()

    def table():
        return [
            tuple(row) for row in db.session.execute(dashboard.select_spend_by_day(campaign.id))
        ]

    assert table() == [(DAY_1, 10_000), (DAY_2, 7_000), (late, 1)]
    path = Path(__file__).parents[3] / "migrations/versions/0017_spend_by_sale_day.py"
    spec = importlib.util.spec_from_file_location("migration_0017", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with Operations.context(MigrationContext.configure(db.session.connection())):
        migration.upgrade()
        assert table() == [(DAY_1, 10_001), (DAY_2, 7_000)]
        from_ledger = db.session.execute(dashboard.ledger_spend_by_day(campaign.id)).all()
        assert [tuple(row) for row in from_ledger] == table()
        migration.downgrade()
        assert table() == [(DAY_1, 10_000), (DAY_2, 7_000), (late, 1)]
