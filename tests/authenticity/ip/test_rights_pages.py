"""The registry's pages: register with proof, correct, the officers' queue and decisions."""

import io

from sqlalchemy import func, select

from authenticity.ip.models import Right
from tests.authenticity.conftest import PDF

FORM = {
    "right_type": "copyright",
    "title": "《远山》著作权",
    "territory": "中国大陆",
    "valid_from": "2020-01-01",
    "valid_until": "2030-12-31",
    "work_titles": "远山",
}


def with_files(values, *files):
    return {**values, "documents": [(io.BytesIO(data), name) for name, data in files]}


def proof_of(db, right_id) -> int:
    return db.session.get(Right, right_id).documents[0].file_id


def rights_count(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Right.id)))


def test_a_holder_registers_a_right_with_a_pdf(db, client_of, holder, officer):
    client = client_of(holder)
    response = client.post(
        "/ip/new", data=with_files(FORM, ("证书.pdf", PDF)), content_type="multipart/form-data"
    )
    right_id = db.session.scalar(select(Right.id))
    assert response.status_code == 302 and response.headers["Location"] == f"/ip/{right_id}"
    page = client.get(f"/ip/{right_id}").get_data(as_text=True)
    assert "《远山》著作权" in page and "证书.pdf" in page and "Waiting for verification" in page
    assert "/ip/" in client.get("/ip/").get_data(as_text=True)
    proof = proof_of(db, right_id)
    assert client.get(f"/files/{proof}").status_code == 200


def test_no_proof_or_a_hostile_file_keeps_the_input_and_writes_nothing(db, client_of, holder):
    client = client_of(holder)
    values = {**FORM, "title": "<script>alert(1)</script>=cmd|' /C calc'!A0"}
    response = client.post("/ip/new", data=values, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Upload at least one proof document." in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    renamed = with_files(values, ("proof.pdf", b"<html><script>x()</script></html>"))
    page = client.post("/ip/new", data=renamed, content_type="multipart/form-data").get_data(
        as_text=True
    )
    assert "proof.pdf: This file&#39;s content is not one of the accepted types" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert rights_count(db) == 0


def test_wrong_empty_and_huge_values_are_named_next_to_their_fields(db, client_of, holder):
    client = client_of(holder)
    values = {
        **FORM,
        "title": "",
        "right_type": "patent",
        "work_titles": "x" * 301,
        "valid_until": "2019-01-01",
        "territory": "'; DROP TABLE ip_right; --",
    }
    response = client.post(
        "/ip/new", data=with_files(values, ("p.pdf", PDF)), content_type="multipart/form-data"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in (
        "This field is required.",
        "A trademark or a patent needs its registration number.",
        "at most 300 characters",
        "The end date cannot be before the start date.",
    ):
        assert message in page
    assert page.count('aria-invalid="true"') + page.count("is-invalid") >= 4
    assert "DROP TABLE ip_right" in page  # kept as the user typed it
    assert rights_count(db) == 0


def test_another_organisation_sees_neither_the_right_nor_its_proof(
    db, client_of, register_id, holder, other_holder
):
    right_id = register_id(holder)
    client = client_of(other_holder)
    assert client.get(f"/ip/{right_id}").status_code == 404
    assert client.get(f"/ip/{right_id}/edit").status_code == 404
    assert client.get(f"/files/{proof_of(db, right_id)}").status_code == 404
    assert "《远山》" not in client.get("/ip/").get_data(as_text=True)


def test_the_officer_reads_the_queue_and_rejects_with_a_library_reason(
    db, client_of, register_id, holder, officer
):
    right_id = register_id(holder)
    client = client_of(officer)
    queue = client.get("/ip/review").get_data(as_text=True)
    assert "《远山》著作权" in queue and "0 days" in queue
    assert client.get(f"/files/{proof_of(db, right_id)}").status_code == 200
    refused = client.post(f"/ip/{right_id}/decide", data={"reject": "1", "reason_code": ""})
    assert refused.status_code == 422
    assert "Give the reason the holder will read." in refused.get_data(as_text=True)
    response = client.post(
        f"/ip/{right_id}/decide", data={"reject": "1", "reason_code": "proof_unreadable"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/ip/review"
    holder_page = client_of(holder).get(f"/ip/{right_id}").get_data(as_text=True)
    assert "The proof documents cannot be read. Upload clear copies." in holder_page
    assert "Correct and send again" in holder_page


def test_the_holder_reads_the_reason_in_chinese(
    db, client_of, register_id, holder, officer, decide
):
    right_id = register_id(holder)
    decide(officer, right_id, "rejected", "proof_unreadable")
    page = client_of(holder).get(f"/ip/{right_id}?lang=zh").get_data(as_text=True)
    assert "证明文件无法辨认" in page


def test_the_holder_corrects_a_rejected_right_and_removes_a_document(
    db, client_of, register_id, decide, holder, officer
):
    right_id = register_id(holder)
    decide(officer, right_id, "rejected", "works_not_covered")
    old = proof_of(db, right_id)
    client = client_of(holder)
    form = client.get(f"/ip/{right_id}/edit").get_data(as_text=True)
    assert "远山" in form and "Send again" in form
    values = with_files(
        {**FORM, "work_titles": "远山\n远山续集", "remove_document": str(old)}, ("new.pdf", PDF)
    )
    response = client.post(f"/ip/{right_id}/edit", data=values, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    right = db.session.get(Right, right_id)
    assert right.status == "pending"
    assert [d.file.filename for d in right.documents] == ["new.pdf"]


def test_an_agency_adds_a_principal_and_registers_for_it(db, client_of, agent):
    client = client_of(agent)
    values = {
        "name": "远山出版",
        "region": "中国大陆",
        "valid_from": "2024-01-01",
        "power_of_attorney": (io.BytesIO(PDF), "委托书.pdf"),
    }
    response = client.post("/ip/principals", data=values, content_type="multipart/form-data")
    assert response.status_code == 302
    form = client.get("/ip/new").get_data(as_text=True)
    assert "远山出版" in form
    missing = client.post(
        "/ip/new", data=with_files(FORM, ("p.pdf", PDF)), content_type="multipart/form-data"
    )
    assert "Choose the principal you register this right for." in missing.get_data(as_text=True)


def test_the_home_pages_list_the_queue_and_the_rejections(
    db, client_of, register_id, decide, holder, officer
):
    right_id = register_id(holder)
    register_id(holder, title="第二项")
    officer_home = client_of(officer).get("/").get_data(as_text=True)
    assert "Rights waiting for verification: 2 (the oldest sent" in officer_home
    decide(officer, right_id, "rejected", "duplicate")
    home = client_of(holder).get("/").get_data(as_text=True)
    assert "Your right “《远山》著作权” was rejected." in home
    assert f"/ip/{right_id}/edit" in home


def test_the_queue_page_runs_a_bounded_number_of_queries(
    db, client_of, register_id, holder, officer, statements_in
):
    client = client_of(officer)
    register_id(holder)
    with statements_in() as few:
        client.get("/ip/review")
    for number in range(6):
        register_id(holder, title=f"权利{number}")
    with statements_in() as many:
        client.get("/ip/review")
    assert len(many) == len(few)


def test_the_guide_is_public_in_both_languages(client):
    assert "Common mistakes" in client.get("/ip/guide").get_data(as_text=True)
    assert "常见错误" in client.get("/ip/guide?lang=zh").get_data(as_text=True)
