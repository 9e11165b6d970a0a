"""Sales and livestream pages: report, correct, import and list, scoped to the publisher."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from alliance.audit import AuditEvent
from alliance.auth.roles import Role
from alliance.i18n import local_today
from campaigns import ledger
from campaigns.models import CampaignStatus, LedgerEntry, Sale
from campaigns.sales.models import LivestreamSession
from tests import factories

INVALID = ["", " " * 10, "\u202eevil\u0000null", "x" * 100_000, "🙂" * 500]
HOSTILE_TEXT = [
    "<script>alert('x')</script>",
    "=cmd|' /C calc'!A0",
    '\'; DROP TABLE "sale"; --',
    "1 OR 1=1",
]


@pytest.fixture
def shop(app, db, staff, approved, make_campaign, publisher_user, start_running, client_of):
    """Two publishers with an allocated title each in a running campaign, and their clients."""
    campaign = make_campaign()
    users = [publisher_user(), publisher_user()]
    enrolments = [approved(campaign, user=user, subsidy=500) for user in users]
    for enrolment in enrolments:
        ledger.allocate(staff, enrolment, 5_000)
    start_running(campaign)

    class Shop:
        pass

    shop = Shop()
    shop.campaign = campaign
    shop.mine, shop.theirs = enrolments
    shop.me, shop.them = (client_of(user) for user in users)
    shop.staff = client_of(staff)
    shop.url = f"/campaigns/{campaign.id}"
    return shop


def sale_form(enrolment, **changes):
    values = {
        "isbn": enrolment.title.isbn,
        "sale_date": local_today().isoformat(),
        "channel": "store",
        "units": "4",
        "revenue": "160.00",
    }
    values.update(changes)
    return values


def stored(db):
    return (
        db.session.scalar(select(func.count(Sale.id))),
        db.session.scalar(select(func.count(LedgerEntry.id))),
        db.session.scalar(select(func.count(LivestreamSession.id))),
    )


def test_a_publisher_reports_a_sale_and_sees_its_subsidy(db, shop):
    assert shop.me.get(f"{shop.url}/sales/new").status_code == 200
    response = shop.me.post(f"{shop.url}/sales/new", data=sale_form(shop.mine))
    assert response.status_code == 302
    page = shop.me.get(response.headers["Location"]).get_data(as_text=True)
    assert "The sale has been recorded" in page
    assert "¥20.00" in page.replace("CN¥", "¥")  # 4 copies x ¥5.00
    sale = db.session.scalar(select(Sale))
    assert (sale.units, sale.revenue_fen, sale.subsidy_fen) == (4, 16_000, 2_000)


def test_a_capped_sale_tells_how_much_was_subsidised(db, shop):
    response = shop.me.post(
        f"{shop.url}/sales/new", data=sale_form(shop.mine, units="12"), follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "¥50.00 of ¥60.00 subsidised: the allocation is used up." in page.replace("CN¥", "¥")


def test_a_confirmation_says_what_happened_to_this_sale_before_older_shortfalls(db, shop):
    shop.me.post(f"{shop.url}/sales/new", data=sale_form(shop.mine, units="12"))  # ¥10 short
    day = (local_today() - timedelta(days=1)).isoformat()
    response = shop.me.post(
        f"{shop.url}/sales/new",
        data=sale_form(shop.theirs, sale_date=day, units="2"),
        follow_redirects=True,
    )
    # Another publisher's page: nothing of theirs was short; then one's own fully drawn sale.
    page = response.get_data(as_text=True).replace("CN¥", "¥")
    assert "alert-warning" not in page
    assert "Note on the sales listed" not in page
    sale_form_data = sale_form(shop.mine, sale_date=day, units="1")
    page = shop.me.post(f"{shop.url}/sales/new", data=sale_form_data, follow_redirects=True)
    page = page.get_data(as_text=True).replace("CN¥", "¥")
    recorded = page.index("The sale has been recorded; its subsidy is ¥0.00.")
    note = page.index("Note on the sales listed: ¥15.00 of the subsidy they earned was not drawn")
    assert recorded < note
    assert "alert-warning" not in page
    assert 'class="small text-body-secondary" id="sales-short-note"' in page


def test_a_campaign_still_running_long_after_its_end_takes_no_form_reports(db, shop):
    detail = shop.me.get(shop.url).get_data(as_text=True)
    assert f'href="{shop.url}/sales/new"' in detail
    shop.campaign.ends = local_today() - timedelta(days=400)
    shop.campaign.starts = shop.campaign.ends - timedelta(days=5)
    db.session.commit()
    form = sale_form(shop.mine, sale_date=shop.campaign.ends.isoformat())
    response = shop.me.post(f"{shop.url}/sales/new", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Sales can be reported only while the campaign runs" in page
    assert "This campaign does not take sales reports now" in page
    assert "up to 30 days after it ends" in page
    assert stored(db) == (0, 2, 0)  # the two allocations only
    detail = shop.me.get(shop.url).get_data(as_text=True)
    assert f'href="{shop.url}/sales/new"' not in detail
    assert f'href="{shop.url}/sales"' in detail  # the sales already reported stay in view


def test_a_sale_is_corrected_from_its_prefilled_form(db, shop):
    shop.me.post(f"{shop.url}/sales/new", data=sale_form(shop.mine, units="8"))
    sale = db.session.scalar(select(Sale))
    page = shop.me.get(f"{shop.url}/sales/{sale.id}/edit").get_data(as_text=True)
    assert 'value="8"' in page and 'value="160.00"' in page
    response = shop.me.post(
        f"{shop.url}/sales/{sale.id}/edit",
        data=sale_form(shop.mine, units="2"),
        follow_redirects=True,
    )
    assert "The sale has been corrected" in response.get_data(as_text=True)
    db.session.refresh(sale)
    assert (sale.units, sale.subsidy_fen) == (2, 1_000)
    again = shop.me.post(
        f"{shop.url}/sales/{sale.id}/edit",
        data=sale_form(shop.mine, units="2"),
        follow_redirects=True,
    )
    assert "Nothing changed" in again.get_data(as_text=True)
    # The title, day and channel of a correction are those of the sale, whatever is posted.
    shop.me.post(
        f"{shop.url}/sales/{sale.id}/edit",
        data=sale_form(shop.theirs, units="3", channel="livestream"),
    )
    db.session.refresh(sale)
    assert (sale.units, sale.channel) == (3, "store")
    assert db.session.scalar(select(func.count(Sale.id))) == 1


def test_another_publishers_sales_are_out_of_reach(db, shop):
    shop.them.post(f"{shop.url}/sales/new", data=sale_form(shop.theirs, units="3"))
    theirs = db.session.scalar(select(Sale))
    assert shop.me.get(f"{shop.url}/sales/{theirs.id}/edit").status_code == 404
    assert shop.me.post(f"{shop.url}/sales/{theirs.id}/edit", data={}).status_code == 404
    page = shop.me.get(f"{shop.url}/sales").get_data(as_text=True)
    assert shop.theirs.title.isbn not in page.replace("-", "")
    # Their ISBN on my form: a message at the ISBN, nothing written.
    before = stored(db)
    response = shop.me.post(f"{shop.url}/sales/new", data=sale_form(shop.theirs))
    assert response.status_code == 200
    assert "None of your titles approved for this campaign" in response.get_data(as_text=True)
    assert stored(db) == before


def test_staff_see_every_sale_and_filter_by_publisher(db, shop):
    shop.me.post(f"{shop.url}/sales/new", data=sale_form(shop.mine, units="1"))
    shop.them.post(f"{shop.url}/sales/new", data=sale_form(shop.theirs, units="7"))
    page = shop.staff.get(f"{shop.url}/sales").get_data(as_text=True)
    mine, theirs = (e.publisher.display_name("en") for e in (shop.mine, shop.theirs))
    assert f"<td>{mine}</td>" in page and f"<td>{theirs}</td>" in page
    filtered = shop.staff.get(f"{shop.url}/sales?publisher={shop.theirs.publisher_id}")
    text = filtered.get_data(as_text=True)
    assert f"<td>{theirs}</td>" in text and f"<td>{mine}</td>" not in text
    assert 'id="total-units">7<' in text
    assert shop.staff.post(f"{shop.url}/sales/new", data=sale_form(shop.mine)).status_code == 403


@pytest.mark.parametrize(
    "query", ["isbn=%00", "isbn=" + "x" * 5000, "date_from=2021-02-30", "channel=%27", "page=-1"]
)
def test_hostile_filters_are_ignored_with_a_message(shop, query):
    for client in (shop.me, shop.staff):
        assert client.get(f"{shop.url}/sales?{query}").status_code == 200
        assert client.get(f"{shop.url}/livestreams?publisher=%00").status_code == 200


@pytest.mark.parametrize("field", ["isbn", "sale_date", "channel", "units", "revenue"])
def test_invalid_and_hostile_values_in_every_field_store_nothing(db, shop, field):
    before = stored(db)
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    wrong = {"units": ["-1", "1.5", "10000001"], "revenue": ["-1", "1.234"]}.get(field, [])
    for value in INVALID + HOSTILE_TEXT + wrong:
        response = shop.me.post(
            f"{shop.url}/sales/new", data=sale_form(shop.mine, **{field: value})
        )
        body = response.get_data(as_text=True)
        assert response.status_code == 200, (field, value[:20])
        assert "invalid-feedback" in body, (field, value[:20])
        assert "<script>alert('x')</script>" not in body
    assert stored(db) == before
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_reports_are_refused_when_the_campaign_is_not_running(db, shop):
    # Finished more than 30 days ago: the campaign takes no reports any more.
    shop.campaign.ends = local_today() - timedelta(days=31)
    shop.campaign.starts = shop.campaign.ends - timedelta(days=5)
    factories.move_campaign(shop.campaign, CampaignStatus.FINISHED)
    db.session.commit()
    page = shop.me.get(f"{shop.url}/sales/new").get_data(as_text=True)
    assert "does not take sales reports now" in page
    response = shop.me.post(f"{shop.url}/sales/new", data=sale_form(shop.mine))
    assert response.status_code == 200
    assert "up to 30 days after it ends" in response.get_data(as_text=True)
    assert stored(db)[0] == 0


@pytest.mark.parametrize("path", ["sales", "sales/new", "sales/import", "livestreams"])
def test_unknown_campaigns_are_not_found(shop, path):
    for campaign_id in (shop.campaign.id + 1000, 2**40):
        assert shop.me.get(f"/campaigns/{campaign_id}/{path}").status_code == 404


def test_a_publisher_without_an_active_publisher_is_refused(client_of, make_user, shop):
    loner = client_of(make_user(Role.PUBLISHER))
    assert loner.get(f"{shop.url}/sales").status_code == 403
    assert loner.post(f"{shop.url}/sales/new", data=sale_form(shop.mine)).status_code == 403


def upload(client, url, data: bytes, filename="sales.csv"):
    return client.post(
        url,
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_the_import_page_reports_problems_with_a_download(db, shop):
    today = local_today().isoformat()
    data = (
        "书号,日期,渠道,销量,销售额\n"
        f"{shop.mine.title.isbn},{today},门店,3,120\n"
        f"{shop.theirs.title.isbn},{today},门店,3,120\n"
        f"{shop.mine.title.isbn},{today},直播,<script>alert('x')</script>,120\n"
    ).encode("gb18030")
    response = upload(shop.me, f"{shop.url}/sales/import", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing was imported: the file has 2 problems." in page
    assert "<script>alert('x')</script>" not in page
    assert stored(db)[0] == 0
    link = page.split('href="/titles/import/')[1].split('"')[0]
    report = shop.me.get(f"/titles/import/{link}")
    assert report.status_code == 200
    lines = report.get_data(as_text=True).splitlines()
    assert lines[0].lstrip("\ufeff") == "row,column,problem" and lines[1].startswith("3,书号,")
    assert shop.them.get(f"/titles/import/{link}").status_code == 404


def test_the_import_page_records_a_good_file(db, shop):
    template = shop.me.get("/campaigns/sales-template.csv")
    assert template.status_code == 200
    assert template.get_data(as_text=True).lstrip("\ufeff").startswith("isbn,date,channel,units")
    today = local_today().isoformat()
    data = f"isbn,date,channel,units,revenue\n{shop.mine.title.isbn},{today},store,3,120\n"
    response = upload(shop.me, f"{shop.url}/sales/import", data.encode())
    assert response.status_code == 302
    page = shop.me.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 sales added, 0 corrected, 0 unchanged" in page
    again = upload(shop.me, f"{shop.url}/sales/import", data.encode())
    assert "0 sales added, 0 corrected, 1 unchanged" in shop.me.get(
        again.headers["Location"]
    ).get_data(as_text=True)
    assert stored(db)[0] == 1


def test_an_unreadable_file_is_explained(db, shop):
    response = upload(shop.me, f"{shop.url}/sales/import", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1xx")
    assert "Upload a CSV or Excel (.xlsx) file" in response.get_data(as_text=True)
    empty = shop.me.post(f"{shop.url}/sales/import", data={})
    assert "Choose a CSV or Excel file" in empty.get_data(as_text=True)


def livestream_form(**changes):
    start = (local_today() - timedelta(days=1)).isoformat()
    values = {
        "host": "樊登读书",
        "started_at": f"{start}T19:30",
        "duration_minutes": "225",
        "units": "30000",
        "gmv": "2,000,000",
        "notes": "",
    }
    values.update(changes)
    return values


def test_a_livestream_session_is_recorded_and_listed(db, shop):
    assert shop.me.get(f"{shop.url}/livestreams/new").status_code == 200
    response = shop.me.post(f"{shop.url}/livestreams/new", data=livestream_form())
    assert response.status_code == 302
    page = shop.me.get(response.headers["Location"]).get_data(as_text=True)
    assert "The livestream session has been recorded." in page
    assert "樊登读书" in page and "533,333.33" in page
    session = db.session.scalar(select(LivestreamSession))
    assert session.started_at.hour == 11 and session.started_at.minute == 30  # 19:30 in Beijing
    assert "樊登读书" in shop.staff.get(f"{shop.url}/livestreams").get_data(as_text=True)
    assert "樊登读书" not in shop.them.get(f"{shop.url}/livestreams").get_data(as_text=True)


@pytest.mark.parametrize("field", ["host", "started_at", "duration_minutes", "units", "gmv"])
def test_invalid_livestream_values_store_nothing(db, shop, field):
    before = stored(db)
    wrong = {"duration_minutes": ["0", "-5", "1441"], "units": ["-5"], "gmv": ["-5"]}
    hostile = [] if field == "host" else HOSTILE_TEXT  # a legal name: tested below
    for value in [*INVALID, *hostile, *wrong.get(field, [])]:
        response = shop.me.post(
            f"{shop.url}/livestreams/new", data=livestream_form(**{field: value})
        )
        assert response.status_code == 200, (field, value[:20])
        assert "invalid-feedback" in response.get_data(as_text=True), (field, value[:20])
    assert stored(db) == before


def test_a_hostile_host_name_is_only_ever_text(db, shop):
    shop.me.post(f"{shop.url}/livestreams/new", data=livestream_form(host=HOSTILE_TEXT[0]))
    page = shop.staff.get(f"{shop.url}/livestreams").get_data(as_text=True)
    assert "&lt;script&gt;" in page and "<script>alert('x')</script>" not in page


def test_the_pages_speak_chinese(db, shop):
    shop.me.post(f"{shop.url}/sales/new", data=sale_form(shop.mine, units="12"))
    page = shop.me.get(f"{shop.url}/sales?lang=zh").get_data(as_text=True)
    assert "已领取补贴" in page and "分配额度已用完" in page
    form = shop.me.post(f"{shop.url}/sales/new", data=sale_form(shop.mine, units="-1"))
    assert "请以整数输入册数" in form.get_data(as_text=True)
    assert "登记本场直播" in shop.me.get(f"{shop.url}/livestreams/new").get_data(as_text=True)


def test_the_lists_issue_the_same_number_of_queries_however_long(db, shop, statements_in):
    def queries(client, path):
        with statements_in() as statements:
            assert client.get(f"{shop.url}/{path}").status_code == 200
        return len(statements)

    shop.me.post(f"{shop.url}/sales/new", data=sale_form(shop.mine))
    shop.me.post(f"{shop.url}/livestreams/new", data=livestream_form())
    few = [queries(client, path) for client in (shop.me, shop.staff) for path in LISTS]
    for offset in range(1, 9):
        day = (local_today() - timedelta(days=offset)).isoformat()
        shop.me.post(f"{shop.url}/sales/new", data=sale_form(shop.mine, sale_date=day))
        shop.them.post(f"{shop.url}/sales/new", data=sale_form(shop.theirs, sale_date=day))
        shop.them.post(f"{shop.url}/livestreams/new", data=livestream_form(host=f"主播{offset}"))
    assert db.session.scalar(select(func.count(Sale.id))) == 17
    many = [queries(client, path) for client in (shop.me, shop.staff) for path in LISTS]
    assert many == few


LISTS = ("sales", "livestreams")
