"""The rights registry's API: register, add proof, list, read, decide; scopes and problems."""

from sqlalchemy import func, select

from authenticity.ip.models import Right
from tests.authenticity.conftest import PDF

RIGHT = {
    "right_type": "copyright",
    "title": "《远山》著作权",
    "territory": "中国大陆",
    "valid_from": "2020-01-01",
    "valid_until": "2030-12-31",
    "work_titles": ["远山"],
}


def test_a_holder_registers_adds_proof_and_an_officer_verifies(client, bearer, holder, officer):
    headers = bearer(holder)
    created = client.post("/api/v1/ip-rights", json=RIGHT, headers=headers)
    assert created.status_code == 201
    right = created.get_json()
    assert (right["status"], right["work_titles"], right["documents"]) == ("pending", ["远山"], [])
    officer_headers = bearer(officer)
    early = client.post(
        f"/api/v1/ip-rights/{right['id']}/decision",
        json={"decision": "verified"},
        headers=officer_headers,
    )
    assert early.status_code == 409  # no proof yet
    proof = client.post(
        f"/api/v1/ip-rights/{right['id']}/documents",
        headers=headers,
        data={"file": (__import__("io").BytesIO(PDF), "证书.pdf")},
        content_type="multipart/form-data",
    )
    assert proof.status_code == 201 and proof.get_json()["content_type"] == "application/pdf"
    decided = client.post(
        f"/api/v1/ip-rights/{right['id']}/decision",
        json={"decision": "verified"},
        headers=officer_headers,
    )
    assert decided.status_code == 200 and decided.get_json()["status"] == "verified"
    listed = client.get("/api/v1/ip-rights?status=verified", headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [right["id"]]


def test_bad_values_are_a_422_naming_each_field(db, client, bearer, holder):
    body = {
        **RIGHT,
        "right_type": "trademark",
        "title": "<script>x</script>",
        "territory": "",
        "valid_until": "2019-01-01",
        "isbns": ["9787020001002"],
    }
    response = client.post("/api/v1/ip-rights", json=body, headers=bearer(holder))
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert set(response.get_json()["errors"]["json"]) == {
        "registration_number",
        "territory",
        "valid_until",
        "isbns",
    }
    assert db.session.scalar(select(func.count(Right.id))) == 0


def test_a_script_renamed_pdf_is_refused_with_its_name(client, bearer, holder):
    headers = bearer(holder)
    right = client.post("/api/v1/ip-rights", json=RIGHT, headers=headers).get_json()
    import io

    response = client.post(
        f"/api/v1/ip-rights/{right['id']}/documents",
        headers=headers,
        data={"file": (io.BytesIO(b"<script>alert(1)</script>"), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "a.pdf" in response.get_json()["errors"]["json"]["documents"][0]


def test_other_organisations_and_roles_are_kept_out(
    client, bearer, holder, other_holder, make_user, make_org
):
    right = client.post("/api/v1/ip-rights", json=RIGHT, headers=bearer(holder)).get_json()
    other = bearer(other_holder)
    assert client.get(f"/api/v1/ip-rights/{right['id']}", headers=other).status_code == 404
    assert client.get("/api/v1/ip-rights", headers=other).get_json()["items"] == []
    refused = client.post(
        f"/api/v1/ip-rights/{right['id']}/decision", json={"decision": "verified"}, headers=other
    )
    assert refused.status_code == 403
    merchant = make_user("merchant", organisation=make_org(kind="merchant"))
    assert client.post("/api/v1/ip-rights", json=RIGHT, headers=bearer(merchant)).status_code == 403


def test_an_officer_lists_every_right_and_needs_a_reason_to_reject(
    client, bearer, holder, other_holder, officer
):
    for user in (holder, other_holder):
        client.post("/api/v1/ip-rights", json=RIGHT, headers=bearer(user))
    headers = bearer(officer)
    listed = client.get("/api/v1/ip-rights", headers=headers).get_json()
    assert listed["total"] == 2
    right_id = listed["items"][0]["id"]
    response = client.post(
        f"/api/v1/ip-rights/{right_id}/decision", json={"decision": "rejected"}, headers=headers
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {"reason_code"}
