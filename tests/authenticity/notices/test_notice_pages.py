"""The notice pages: a holder files by pasting listings, officers decide from the queue."""

from sqlalchemy import func, select

from authenticity.notices.models import Notice, NoticeItem


def verified_right(app, db, register_id, decide, holder, officer) -> int:
    right_id = register_id(holder)
    decide(officer, right_id, "verified")
    return right_id


def form(right_id, listings, **changes) -> dict:
    return {"right_id": str(right_id), "regime": "cn_ecommerce", "listings": listings,
            "default_reason": "pirated_copy", "good_faith": "y", "accurate": "y",
            "regime_statement": "y", "signature": "张三", **changes}  # fmt: skip


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_holder_files_a_pasted_notice_and_follows_it(
    app, db, client_of, register_id, decide, holder, officer
):
    right_id = verified_right(app, db, register_id, decide, holder, officer)
    client = client_of(holder)
    page = client.get("/ip/notices/new").get_data(as_text=True)
    assert "《远山》著作权" in page
    pasted = "L1\tshop-1\n L2 , shop-2 , , https://m.example/2 , cover_copied\n"
    response = client.post("/ip/notices/new", data=form(right_id, pasted))
    notice_id = db.session.scalar(select(Notice.id))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/ip/notices/{notice_id}"
    detail = client.get(f"/ip/notices/{notice_id}").get_data(as_text=True)
    assert "Submitted: 2" in detail and "https://m.example/2" in detail
    assert f"/ip/notices/{notice_id}" in client.get("/ip/notices/").get_data(as_text=True)


def test_bad_lines_are_listed_the_input_kept_and_nothing_written(
    app, db, client_of, register_id, decide, holder, officer
):
    right_id = verified_right(app, db, register_id, decide, holder, officer)
    client = client_of(holder)
    pasted = "L1\tshop-1\nL1\tshop-1\n=cmd|' /C calc'!A0\tshop-2\n<script>x</script>"
    response = client.post("/ip/notices/new", data=form(right_id, pasted, signature="",
                                                        accurate=""))  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        "Line 2, listing id: This listing is named twice in this notice (also on line 1)." in page
    )
    assert "Line 3, listing id:" in page and "Line 4, merchant id:" in page
    assert "Sign with your full name." in page
    assert "Tick this statement" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    assert "=cmd|&#39; /C calc&#39;!A0" in page  # the pasted text is kept
    assert count(db, NoticeItem) == 0


def test_a_holder_without_a_verified_right_is_told_where_to_start(client_of, holder):
    page = client_of(holder).get("/ip/notices/new").get_data(as_text=True)
    assert "You have no right that is verified and valid today." in page


def test_the_officer_removes_two_and_rejects_one_from_the_queue(
    app, db, client_of, register_id, decide, holder, officer
):
    right_id = verified_right(app, db, register_id, decide, holder, officer)
    client_of(holder).post("/ip/notices/new", data=form(right_id, "L1,s\nL2,s\nL3,s"))
    ids = db.session.scalars(select(NoticeItem.id).order_by(NoticeItem.id)).all()
    client = client_of(officer)
    queue = client.get("/ip/notices/review").get_data(as_text=True)
    assert queue.count('name="item_id"') == 3
    removed = client.post("/ip/notices/decide", data={"item_id": [str(i) for i in ids[:2]],
                                                       "remove": "1"})  # fmt: skip
    assert removed.status_code == 302
    refused = client.post("/ip/notices/decide", data={"item_id": str(ids[2]), "reject": "1"},
                          follow_redirects=True)  # fmt: skip
    assert "Give the reason the holder will read." in refused.get_data(as_text=True)
    client.post("/ip/notices/decide", data={"item_id": str(ids[2]), "reject": "1",
                                             "reason_code": "evidence_insufficient"})  # fmt: skip
    notice_id = db.session.scalar(select(Notice.id))
    holder_view = client_of(holder).get(f"/ip/notices/{notice_id}").get_data(as_text=True)
    assert "Removed: 2" in holder_view and "Rejected: 1" in holder_view
    assert "The evidence does not show the infringement." in holder_view


def test_another_holder_sees_nothing_and_cannot_answer(
    app, db, client_of, register_id, decide, holder, other_holder, officer
):
    right_id = verified_right(app, db, register_id, decide, holder, officer)
    client_of(holder).post("/ip/notices/new", data=form(right_id, "L1,s"))
    notice_id = db.session.scalar(select(Notice.id))
    item_id = db.session.scalar(select(NoticeItem.id))
    other = client_of(other_holder)
    assert other.get(f"/ip/notices/{notice_id}").status_code == 404
    assert other.post(f"/ip/notices/listings/{item_id}/reply",
                      data={"answer": "x"}).status_code == 404  # fmt: skip
    assert (
        client_of(other_holder).post("/ip/notices/new", data=form(right_id, "L9,s")).status_code
        == 200
    )  # refused on the page: not one of their rights
    assert count(db, Notice) == 1


def test_the_queue_page_runs_a_bounded_number_of_queries(
    app, db, client_of, register_id, decide, holder, officer, statements_in
):
    right_id = verified_right(app, db, register_id, decide, holder, officer)
    holder_client = client_of(holder)
    holder_client.post("/ip/notices/new", data=form(right_id, "L1,s"))
    client = client_of(officer)
    with statements_in() as few:
        client.get("/ip/notices/review")
    lines = "\n".join(f"M{n},s{n}" for n in range(40))
    holder_client.post("/ip/notices/new", data=form(right_id, lines))
    with statements_in() as many:
        page = client.get("/ip/notices/review").get_data(as_text=True)
    assert page.count('name="item_id"') == 41
    assert len(many) == len(few)


def test_the_statement_templates_are_public(client):
    page = client.get("/ip/notices/statements").get_data(as_text=True)
    assert "E-commerce Law" in page and "512(c)(3)" in page


def test_a_spreadsheet_of_listings_is_filed_all_or_none(
    app, db, client_of, register_id, decide, holder, officer
):
    import io

    right_id = verified_right(app, db, register_id, decide, holder, officer)
    client = client_of(holder)
    template = client.get("/ip/notices/template.csv")
    assert template.headers["Content-Type"] == "text/csv; charset=utf-8"
    bad = "商品编号,商家编号,理由\nL1,shop-1,盗版\nL1,shop-1,盗版\n<b>,shop-2,nonsense\n"
    response = client.post(
        "/ip/notices/new",
        data={**form(right_id, ""), "file": (io.BytesIO(bad.encode("gb18030")), "listings.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "Nothing was imported: the file has 3 problems." in page
    assert "商品编号" in page and "理由" in page  # named by the file's own headers
    assert count(db, NoticeItem) == 0
    good = "listing id,merchant id,reason\nL1,shop-1,盗版\nL2,shop-1,cover_copied\nL3,shop-2,\n"
    response = client.post(
        "/ip/notices/new",
        data={**form(right_id, ""), "file": (io.BytesIO(good.encode()), "listings.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    reasons = db.session.scalars(select(NoticeItem.reason_code).order_by(NoticeItem.id)).all()
    assert reasons == ["pirated_copy", "cover_copied", "pirated_copy"]
    both = client.post(
        "/ip/notices/new",
        data={**form(right_id, "L9,s"), "file": (io.BytesIO(good.encode()), "listings.csv")},
        content_type="multipart/form-data",
    )
    assert "in the rows and the box, not both." in both.get_data(as_text=True)


def test_the_queue_filters_by_holder_and_homes_list_what_waits(
    app, db, client_of, register_id, decide, holder, other_holder, officer
):
    right_id = verified_right(app, db, register_id, decide, holder, officer)
    other_right = verified_right(app, db, register_id, decide, other_holder, officer)
    client_of(holder).post("/ip/notices/new", data=form(right_id, "L1,s\nL2,s"))
    client_of(other_holder).post("/ip/notices/new", data=form(other_right, "M1,s"))
    client = client_of(officer)
    everyone = client.get("/ip/notices/review").get_data(as_text=True)
    assert everyone.count('name="item_id"') == 3
    only = client.get(f"/ip/notices/review?holder={holder.organisation_id}").get_data(as_text=True)
    assert only.count('name="item_id"') == 2
    assert "Listings waiting for review: 3" in client.get("/").get_data(as_text=True)
    first = db.session.scalar(select(NoticeItem.id).order_by(NoticeItem.id))
    client.post("/ip/notices/decide", data={"item_id": str(first), "ask": "1",
                                             "reason": "哪一版？"})  # fmt: skip
    home = client_of(holder).get("/").get_data(as_text=True)
    assert "An IP officer asks about listing L1" in home


def test_the_guides_are_public_and_linked_from_the_forms(client, client_of, holder):
    assert "Common mistakes" in client.get("/ip/notices/guide/filing").get_data(as_text=True)
    assert client.get("/ip/notices/guide/answering?lang=zh").status_code == 200
    assert "/ip/notices/guide/filing" in client_of(holder).get("/ip/notices/new").get_data(
        as_text=True
    )


def test_listings_typed_into_rows_join_the_pasted_ones(
    app, db, client_of, register_id, decide, holder, officer
):
    right_id = verified_right(app, db, register_id, decide, holder, officer)
    client = client_of(holder)
    more = client.post("/ip/notices/new", data={**form(right_id, ""), "add_rows": "1",
                                                 "rows-0-listing_id": "R1"})  # fmt: skip
    page = more.get_data(as_text=True)
    assert page.count('name="rows-7-listing_id"') == 1 and 'value="R1"' in page  # 3 + 5 rows
    rows = {"rows-0-listing_id": "R1", "rows-0-merchant_id": "shop-r",
            "rows-0-reason_code": "cover_copied", "rows-1-listing_id": "R2",
            "rows-1-merchant_id": "<script>"}  # fmt: skip
    refused = client.post("/ip/notices/new", data={**form(right_id, "P1,shop-p"), **rows})
    assert "Row 2, merchant id:" in refused.get_data(as_text=True)
    rows["rows-1-merchant_id"] = "shop-r"
    assert client.post("/ip/notices/new", data={**form(right_id, "P1,shop-p"),
                                                 **rows}).status_code == 302  # fmt: skip
    filed = db.session.execute(select(NoticeItem.listing_id, NoticeItem.reason_code)
                               .order_by(NoticeItem.id)).all()  # fmt: skip
    assert filed == [("R1", "cover_copied"), ("R2", "pirated_copy"), ("P1", "pirated_copy")]


def test_the_statements_download_in_the_readers_language(client):
    response = client.get("/ip/notices/statements.txt?lang=zh")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "《电子商务法》第四十二条" in response.get_data(as_text=True)


def test_evidence_sent_with_a_notice_is_seen_by_the_parties_only(
    app, db, client_of, register_id, decide, holder, officer, other_holder, make_user, make_org
):
    import io

    from tests.authenticity.conftest import PDF

    right_id = verified_right(app, db, register_id, decide, holder, officer)
    client = client_of(holder)
    sent = client.post("/ip/notices/new", data={**form(right_id, "L1,s"),
                       "evidence": [(io.BytesIO(PDF), "试买记录.pdf")]},
                       content_type="multipart/form-data")  # fmt: skip
    assert sent.status_code == 302
    notice_page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "试买记录.pdf" in notice_page
    file_id = int(notice_page.split("/files/")[1].split('"')[0])
    assert client.get(f"/files/{file_id}").status_code == 200
    assert client_of(officer).get(f"/files/{file_id}").status_code == 200
    assert client_of(other_holder).get(f"/files/{file_id}").status_code == 404
    bad = client.post("/ip/notices/new", data={**form(right_id, "L2,s"),
                      "evidence": [(io.BytesIO(b"<html>x</html>"), "a.pdf")]},
                      content_type="multipart/form-data")  # fmt: skip
    assert "a.pdf: This file&#39;s content is not one of the accepted types" in bad.get_data(
        as_text=True
    )
    assert count(db, NoticeItem) == 1
