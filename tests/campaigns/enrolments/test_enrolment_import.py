"""Enrolling titles from a spreadsheet: every bad row reported, all or nothing, idempotent."""

import io

from campaigns.models import Enrolment


def upload(client, campaign, text, encoding="utf-8", name="enrol.csv"):
    """Post a CSV file to the campaign's import page."""
    data = {"file": (io.BytesIO(text.encode(encoding)), name)}
    return client.post(
        f"/campaigns/{campaign.id}/enrol/import",
        data=data,
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_a_file_with_chinese_headers_in_gb18030_enrols_every_row(
    client_of, make_campaign, make_title, publisher_user, db
):
    user = publisher_user()
    titles = [make_title(user.organisation) for _ in range(3)]
    campaign = make_campaign()
    rows = "".join(f"{t.isbn},¥39.80,5,2000,3000\n" for t in titles)
    response = upload(
        client_of(user), campaign, "书号,活动价,补贴,预计销量,库存\n" + rows, "gb18030"
    )
    assert "3 titles enrolled, 0 updated, 0 unchanged." in response.get_data(as_text=True)
    assert db.session.query(Enrolment).count() == 3
    again = upload(client_of(user), campaign, "书号,活动价,补贴,预计销量,库存\n" + rows, "gb18030")
    assert "0 titles enrolled, 0 updated, 3 unchanged." in again.get_data(as_text=True)


def test_every_bad_row_is_reported_and_nothing_is_enrolled(
    client_of, make_campaign, make_title, publisher_user, make_org, db
):
    user = publisher_user()
    mine = make_title(user.organisation, list_price_fen=5000)
    withdrawn = make_title(user.organisation, status="withdrawn")
    theirs = make_title(make_org())
    campaign = make_campaign(price_floor_percent=50)
    text = (
        "\ufeffisbn,campaign price,subsidy,expected units\n"
        f"{mine.isbn},39.80,5,2000\n"  # row 2: fine
        "9787020000000,39.80,5,2000\n"  # row 3: bad checksum
        f"{theirs.isbn},39.80,5,2000\n"  # row 4: another publisher's
        f"{mine.isbn},39.80,5,2000\n"  # row 5: duplicate of row 2
        f"{withdrawn.isbn},=cmd|' /C calc'!A0,5,lots\n"  # row 6: price and units
    )
    page = upload(client_of(user), campaign, text).get_data(as_text=True)
    assert "Nothing was imported: the file has 5 problems." in page
    for expected in (
        "None of your titles has this ISBN.",
        "This ISBN is already on row 2 of the file.",
        "Enter an amount such as 12.50.",
        "Enter a whole number of copies",
    ):
        assert expected in page
    assert db.session.query(Enrolment).count() == 0


def test_a_price_below_the_floor_is_reported_by_row(
    client_of, make_campaign, make_title, publisher_user, db
):
    user = publisher_user()
    title = make_title(user.organisation, list_price_fen=10000)
    campaign = make_campaign(price_floor_percent=60)
    page = upload(
        client_of(user), campaign, f"isbn,price,subsidy,units\n{title.isbn},50,5,10\n"
    ).get_data(as_text=True)
    assert "at least 60% of the list price" in page
    assert db.session.query(Enrolment).count() == 0


def test_importing_when_enrolment_is_closed_is_refused(
    client_of, make_campaign, make_title, publisher_user, db
):
    user = publisher_user()
    title = make_title(user.organisation)
    campaign = make_campaign(status="enrolment_closed")
    page = upload(
        client_of(user), campaign, f"isbn,price,subsidy,units\n{title.isbn},30,5,10\n"
    ).get_data(as_text=True)
    assert "Enrolment in this campaign is not open." in page
    assert db.session.query(Enrolment).count() == 0


def test_the_template_has_the_columns(client_of, publisher_user):
    response = client_of(publisher_user()).get("/campaigns/enrol/template.csv")
    assert (
        response.get_data(as_text=True)
        .lstrip("\ufeff")
        .startswith("isbn,campaign_price,subsidy_per_unit,expected_units,stock")
    )
