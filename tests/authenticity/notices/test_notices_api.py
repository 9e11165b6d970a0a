"""The notice API: one request files many listings; 422 names each bad one; decisions."""

from sqlalchemy import func, select

from authenticity.notices.models import NoticeItem


def verified_right_id(client, bearer, holder, officer) -> int:
    from tests.authenticity.conftest import PDF

    headers = bearer(holder)
    right = client.post("/api/v1/ip-rights", headers=headers, json={
        "right_type": "copyright", "title": "《远山》", "territory": "中国大陆",
        "valid_from": "2020-01-01", "work_titles": ["远山"],
    }).get_json()  # fmt: skip
    import io

    client.post(
        f"/api/v1/ip-rights/{right['id']}/documents",
        headers=headers,
        data={"file": (io.BytesIO(PDF), "p.pdf")},
        content_type="multipart/form-data",
    )
    client.post(f"/api/v1/ip-rights/{right['id']}/decision", headers=bearer(officer),
                json={"decision": "verified"})  # fmt: skip
    return right["id"]


def body(right_id, items, **changes) -> dict:
    return {"right_id": right_id, "regime": "dmca", "items": items, "good_faith": True,
            "accurate": True, "signature": "Jane Roe", **changes}  # fmt: skip


def item(n, **changes) -> dict:
    return {"listing_id": f"L{n}", "merchant_id": "m-1", "reason_code": "pirated_copy",
            **changes}  # fmt: skip


def test_a_300_listing_notice_is_filed_in_one_request(client, bearer, holder, officer):
    right_id = verified_right_id(client, bearer, holder, officer)
    response = client.post("/api/v1/notices", json=body(right_id, [item(n) for n in range(300)]),
                           headers=bearer(holder))  # fmt: skip
    assert response.status_code == 201
    notice = response.get_json()
    assert len(notice["items"]) == 300
    assert {entry["status"] for entry in notice["items"]} == {"submitted"}
    again = client.get(f"/api/v1/notices/{notice['id']}", headers=bearer(holder)).get_json()
    assert again["items"][0]["events"][0]["status"] == "submitted"


def test_bad_items_are_named_by_number_and_field_and_nothing_is_written(
    db, client, bearer, holder, officer
):
    right_id = verified_right_id(client, bearer, holder, officer)
    items = [item(1), item(1), item(3, url="ftp://x"), item(4, merchant_id="bad id")]
    response = client.post("/api/v1/notices", json=body(right_id, items, good_faith=False),
                           headers=bearer(holder))  # fmt: skip
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {
        "items.2.listing_id",
        "items.3.url",
        "items.4.merchant_id",
        "good_faith",
    }
    assert db.session.scalar(select(func.count(NoticeItem.id))) == 0
    too_many = client.post("/api/v1/notices", json=body(right_id, [item(n) for n in range(301)]),
                           headers=bearer(holder))  # fmt: skip
    assert too_many.status_code == 422


def test_decisions_and_answers_by_api(client, bearer, holder, officer):
    right_id = verified_right_id(client, bearer, holder, officer)
    holder_key, officer_key = bearer(holder), bearer(officer)
    notice = client.post("/api/v1/notices", json=body(right_id, [item(1), item(2)]),
                         headers=holder_key).get_json()  # fmt: skip
    first, second = (entry["id"] for entry in notice["items"])
    removed = client.post(f"/api/v1/notice-items/{first}/decision", headers=officer_key,
                          json={"decision": "removed"})  # fmt: skip
    assert removed.status_code == 200 and removed.get_json()["status"] == "removed"
    asked = client.post(
        f"/api/v1/notice-items/{second}/decision",
        headers=officer_key,
        json={"decision": "clarification_requested", "reason": "哪一版？"},
    )
    assert asked.get_json()["status"] == "clarification_requested"
    answered = client.post(f"/api/v1/notice-items/{second}/reply", headers=holder_key,
                           json={"answer": "2021 年版"})  # fmt: skip
    assert answered.status_code == 200 and answered.get_json()["status"] == "under_review"
    again = client.post(
        f"/api/v1/notice-items/{first}/decision",
        headers=officer_key,
        json={"decision": "rejected", "reason_code": "other", "reason": "x"},
    )
    assert again.status_code == 409
    listed = client.get("/api/v1/notices?status=removed", headers=holder_key).get_json()
    assert [n["id"] for n in listed["items"]] == [notice["id"]]


def test_another_holders_notice_is_a_404(client, bearer, holder, other_holder, officer):
    right_id = verified_right_id(client, bearer, holder, officer)
    notice = client.post("/api/v1/notices", json=body(right_id, [item(1)]),
                         headers=bearer(holder)).get_json()  # fmt: skip
    other = bearer(other_holder)
    assert client.get(f"/api/v1/notices/{notice['id']}", headers=other).status_code == 404
    item_id = notice["items"][0]["id"]
    assert client.post(f"/api/v1/notice-items/{item_id}/reply", headers=other,
                       json={"answer": "x"}).status_code == 404  # fmt: skip
    filed = client.post("/api/v1/notices", json=body(right_id, [item(5)]), headers=other)
    assert filed.status_code == 422
    assert set(filed.get_json()["errors"]["json"]) == {"right_id"}
