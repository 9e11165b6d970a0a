"""Merchants on the pages and the API: notices against them, counter-notices, the answer."""

import io

from sqlalchemy import select

from authenticity.notices.models import NoticeItem
from tests.authenticity.conftest import PDF


def removed_listing(client, bearer, holder, officer, merchant_id="shop-9") -> int:
    """File a notice naming one listing of `merchant_id` by API, and remove it; its id."""
    holder_key, officer_key = bearer(holder), bearer(officer)
    right = client.post("/api/v1/ip-rights", headers=holder_key, json={
        "right_type": "copyright", "title": "《远山》", "territory": "中国大陆",
        "valid_from": "2020-01-01", "work_titles": ["远山"],
    }).get_json()  # fmt: skip
    client.post(
        f"/api/v1/ip-rights/{right['id']}/documents",
        headers=holder_key,
        data={"file": (io.BytesIO(PDF), "p.pdf")},
        content_type="multipart/form-data",
    )
    client.post(f"/api/v1/ip-rights/{right['id']}/decision", headers=officer_key,
                json={"decision": "verified"})  # fmt: skip
    notice = client.post("/api/v1/notices", headers=holder_key, json={
        "right_id": right["id"], "regime": "cn_ecommerce", "good_faith": True, "accurate": True,
        "signature": "张三", "contact": "legal@qingshan.example",
        "items": [{"listing_id": "L1", "merchant_id": merchant_id, "reason_code": "pirated_copy"}],
    }).get_json()  # fmt: skip
    item_id = notice["items"][0]["id"]
    client.post(f"/api/v1/notice-items/{item_id}/decision", headers=officer_key,
                json={"decision": "removed"})  # fmt: skip
    return item_id


def test_the_marketplace_links_a_merchant_and_the_merchant_counter_notices(
    client, client_of, bearer, holder, officer, make_user, make_org
):
    shop_org = make_org(kind="merchant")
    shop = make_user("merchant", organisation=shop_org)
    marketplace = make_user("marketplace")
    linked = client.put("/api/v1/merchants/shop-9", headers=bearer(marketplace),
                        json={"name": "九号书店", "organisation_id": shop_org.id})  # fmt: skip
    assert linked.status_code == 200 and linked.get_json()["organisation_id"] == shop_org.id
    refused = client.put("/api/v1/merchants/shop-9", headers=bearer(shop),
                         json={"name": "我自己", "organisation_id": shop_org.id})  # fmt: skip
    assert refused.status_code == 403  # never by the merchant alone
    item_id = removed_listing(client, bearer, holder, officer)
    page = client_of(shop)
    assert "Listings of yours removed on a notice: 1." in page.get("/").get_data(as_text=True)
    listing = page.get(f"/ip/notices/against-you/{item_id}").get_data(as_text=True)
    assert "legal@qingshan.example" in listing and "Answer with a counter-notice" in listing
    empty = page.post(f"/ip/notices/against-you/{item_id}", data={"statement": ""})
    assert "Say why the removal was a mistake." in empty.get_data(as_text=True)
    sent = page.post(f"/ip/notices/against-you/{item_id}", data={
        "statement": "正版 <b>书</b>", "contact": "王五 13800000000", "accept_jurisdiction": "y",
        "signature": "王五", "evidence": [(io.BytesIO(PDF), "发票.pdf")],
    }, content_type="multipart/form-data")  # fmt: skip
    assert sent.status_code == 302
    holder_page = client_of(holder).get(f"/ip/notices/{_notice_of(item_id)}").get_data(as_text=True)
    assert "正版 &lt;b&gt;书&lt;/b&gt;" in holder_page and "发票.pdf" in holder_page
    withdrawn = client_of(holder).post(f"/ip/notices/listings/{item_id}/answer",
                                       data={"action": "withdraw"})  # fmt: skip
    assert withdrawn.status_code == 302
    assert "Reinstated" in page.get("/ip/notices/against-you").get_data(as_text=True)


def _notice_of(item_id) -> int:
    from alliance.extensions import db

    return db.session.scalar(select(NoticeItem.notice_id).where(NoticeItem.id == item_id))


def test_counter_notice_and_holder_response_by_api(
    client, bearer, holder, officer, make_user, make_org, db
):
    shop_org = make_org(kind="merchant")
    shop = make_user("merchant", organisation=shop_org)
    client.put("/api/v1/merchants/shop-9", headers=bearer(officer),
               json={"name": "九号书店", "organisation_id": shop_org.id})  # fmt: skip
    item_id = removed_listing(client, bearer, holder, officer)
    shop_key, holder_key = bearer(shop), bearer(holder)
    bad = client.post(f"/api/v1/notice-items/{item_id}/counter-notice", headers=shop_key,
                      json={"statement": "x", "contact": "y", "accept_jurisdiction": False,
                            "signature": "z"})  # fmt: skip
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]["json"]) == {"accept_jurisdiction"}
    filed = client.post(f"/api/v1/notice-items/{item_id}/counter-notice", headers=shop_key,
                        json={"statement": "正版", "contact": "王五", "accept_jurisdiction": True,
                              "signature": "王五"})  # fmt: skip
    assert filed.status_code == 201 and filed.get_json()["status"] == "counter_noticed"
    no_proof = client.post(f"/api/v1/notice-items/{item_id}/holder-response", headers=holder_key,
                           json={"action": "complaint_filed"})  # fmt: skip
    assert no_proof.status_code == 422
    proof = client.post(f"/api/v1/notice-items/{item_id}/documents", headers=holder_key,
                        data={"file": (io.BytesIO(PDF), "起诉状.pdf")},
                        content_type="multipart/form-data")  # fmt: skip
    assert proof.status_code == 201
    upheld = client.post(f"/api/v1/notice-items/{item_id}/holder-response", headers=holder_key,
                         json={"action": "complaint_filed"})  # fmt: skip
    assert upheld.status_code == 200 and upheld.get_json()["status"] == "upheld"


def test_a_merchant_cannot_reach_another_merchants_listing(
    client, bearer, holder, officer, make_user, make_org, client_of
):
    mine, theirs = make_org(kind="merchant"), make_org(kind="merchant")
    for merchant_id, organisation in (("shop-9", theirs), ("shop-1", mine)):
        client.put(f"/api/v1/merchants/{merchant_id}", headers=bearer(officer),
                   json={"name": merchant_id, "organisation_id": organisation.id})  # fmt: skip
    item_id = removed_listing(client, bearer, holder, officer)
    me = make_user("merchant", organisation=mine)
    assert client_of(me).get(f"/ip/notices/against-you/{item_id}").status_code == 404
    answer = client.post(f"/api/v1/notice-items/{item_id}/counter-notice", headers=bearer(me),
                         json={"statement": "x", "contact": "y", "accept_jurisdiction": True,
                               "signature": "z"})  # fmt: skip
    assert answer.status_code == 404


def test_the_merchants_page_runs_a_bounded_number_of_queries(
    client_of, officer, make_org, statements_in, bearer, client
):
    page = client_of(officer)
    key = bearer(officer)
    client.put("/api/v1/merchants/m-0", headers=key,
               json={"name": "m", "organisation_id": make_org(kind="merchant").id})  # fmt: skip
    with statements_in() as few:
        page.get("/ip/notices/merchants")
    for number in range(1, 6):
        client.put(f"/api/v1/merchants/m-{number}", headers=key,
                   json={"name": "m", "organisation_id": make_org(kind="merchant").id})  # fmt: skip
    with statements_in() as many:
        listed = page.get("/ip/notices/merchants").get_data(as_text=True)
    assert listed.count("<code>m-") == 6
    assert len(many) == len(few)
