"""Label batches: ordering, downloads until sealed, sealing, revoking, access, CLI and API."""

import csv
import io

from pypdf import PdfReader
from sqlalchemy import func, select, text

from alliance.api.services import create_api_key
from alliance.audit import AuditEvent
from alliance.auth.models import User
from authenticity.labels import codes as label_codes
from authenticity.labels.models import LABEL_BATCH_WORKFLOW, BatchStatus, Label, LabelBatch

ISBNS = ["9787020001002", "9787020001019", "9787020001026", "9787020001033"]


def _codes_csv(response):
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["serial", "code", "url"]
    return rows[1:]


def _every_text_value(db) -> str:
    """Dump every text and blob value of every table, to look for codes."""
    connection = db.session.connection()
    dump = []
    for table in db.metadata.sorted_tables:
        for row in connection.execute(table.select()):
            for value in row:
                if isinstance(value, bytes):
                    dump.append(value.decode("latin-1"))
                elif value is not None:
                    dump.append(str(value))
    return "\n".join(dump)


def test_publisher_orders_downloads_and_seals_a_batch(publisher, db):
    response = publisher.post("/labels/", data={"isbn": "978-7-02-000100-2", "quantity": "25"})
    assert response.status_code == 302
    batch = db.session.scalar(select(LabelBatch))
    assert batch.quantity == 25 and batch.status == BatchStatus.OPEN
    assert db.session.scalar(select(func.count(Label.id))) == 25
    rows = _codes_csv(publisher.get(f"/labels/{batch.id}/codes.csv"))
    assert [int(row[0]) for row in rows] == list(range(1, 26))
    assert all(label_codes.parse(code).valid for _serial, code, _url in rows)
    assert rows[0][2] == "http://localhost:5000/verify/" + rows[0][1]
    sheet = publisher.get(f"/labels/{batch.id}/sheet-1.svg")
    svg = sheet.get_data(as_text=True)
    assert sheet.mimetype == "image/svg+xml" and svg.count("<path") >= 25
    assert "红楼梦" in svg and rows[7][1] in svg
    missing = publisher.get(f"/labels/{batch.id}/sheet-2.svg")
    assert missing.status_code == 404 and "This batch has no such sheet." in missing.text
    pdf = publisher.get(f"/labels/{batch.id}/sheet-1.pdf")
    assert pdf.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == 2  # 25 labels, 16 a page
    assert (
        "labels-" in pdf.headers["Content-Disposition"]
        and ".pdf" in pdf.headers["Content-Disposition"]
    )
    assert publisher.get(f"/labels/{batch.id}/sheet-1.txt").status_code == 404
    # the codes are never stored: they are derived from the batch's encrypted secret...
    codes = [label_codes.parse(row[1]).normalised for row in rows]
    dump = _every_text_value(db)
    assert not any(code in dump or label_codes.group(code) in dump for code in codes)
    assert db.session.get(LabelBatch, batch.id).code_secret is not None
    sealed = publisher.post(f"/labels/{batch.id}/seal", data={"confirm": "y"})
    assert sealed.status_code == 302
    db.session.expire_all()
    assert db.session.get(LabelBatch, batch.id).status == BatchStatus.SEALED
    # ...which sealing deletes: then no code can be made again, only keyed hashes remain
    assert db.session.get(LabelBatch, batch.id).code_secret is None
    assert publisher.get(f"/labels/{batch.id}/codes.csv").status_code == 410
    assert publisher.get(f"/labels/{batch.id}/sheet-1.svg").status_code == 410
    assert publisher.get(f"/labels/{batch.id}/sheet-1.pdf").status_code == 410
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"label_batch.create", "label_batch.seal"} <= actions


def test_the_stored_hash_is_the_keyed_hash_of_the_code(app, publisher, db, order):
    batch_id, codes = order(publisher.user, quantity=3)
    stored = set(db.session.scalars(select(Label.code_hash).where(Label.batch_id == batch_id)))
    with app.test_request_context():
        from authenticity.labels.services import label_key

        assert stored == {label_codes.code_hash(label_key(), code) for code in codes}
    assert not any(code.encode() in value for value in stored for code in codes)


def test_ordering_refuses_bad_quantities_titles_and_unauthorised_sellers(publisher, db):
    for values, message in [
        ({"isbn": ISBNS[0], "quantity": "0"}, "Order between 1 and 1,000,000 labels."),
        ({"isbn": ISBNS[0], "quantity": "1000001"}, "Order between 1 and 1,000,000 labels."),
        ({"isbn": ISBNS[0], "quantity": "many"}, "Enter a whole number in digits, such as 120."),
        ({"isbn": ISBNS[3], "quantity": "5"}, "None of your titles has this ISBN."),
        ({"isbn": "<script>", "quantity": "5"}, "None of your titles has this ISBN."),
        (
            {"isbn": ISBNS[0], "quantity": "5", "merchant_id": "shop-x"},
            "Merchant shop-x is not authorised to sell this title today.",
        ),
    ]:
        page = publisher.post("/labels/", data=values).get_data(as_text=True)
        assert message in page, values
    assert db.session.scalar(select(func.count(LabelBatch.id))) == 0
    assert db.session.scalar(select(func.count(Label.id))) == 0


def test_a_batch_for_an_authorised_seller_names_it(publisher, db, authorise, order):
    authorise(publisher.user, merchant_id="shop-42", isbns=[ISBNS[0]])
    batch_id, _codes = order(publisher.user, merchant_id="shop-42")
    batch = db.session.get(LabelBatch, batch_id)
    assert batch.seller_name == "shop-42 图书专营店"
    page = publisher.get(f"/labels/{batch_id}").get_data(as_text=True)
    assert "shop-42 图书专营店" in page and "Confirm printing and seal" in page


def test_another_publisher_cannot_see_download_seal_or_revoke(
    publisher, rival_publisher, db, order
):
    batch_id, codes = order(publisher.user)
    for url in (f"/labels/{batch_id}", f"/labels/{batch_id}/codes.csv",
                f"/labels/{batch_id}/sheet-1.svg", f"/labels/{batch_id}/sheet-1.pdf"):  # fmt: skip
        assert rival_publisher.get(url).status_code == 404
    assert rival_publisher.post(f"/labels/{batch_id}/seal").status_code == 404
    revoke = {"category": "lost", "reason": "x"}
    assert rival_publisher.post(f"/labels/{batch_id}/revoke", data=revoke).status_code == 404
    rival_publisher.post("/labels/revoke-code", data={**revoke, "code": codes[0]})
    assert db.session.scalar(select(func.count(Label.revoked_at))) == 0
    assert db.session.get(LabelBatch, batch_id).status == BatchStatus.OPEN
    assert f"#{batch_id}" not in rival_publisher.get("/labels/").get_data(as_text=True)


def test_revoking_a_batch_and_a_single_code(publisher, db, order):
    batch_id, _codes = order(publisher.user, quantity=4)
    other_id, other_codes = order(publisher.user, quantity=2)
    publisher.post(
        "/labels/revoke-code",
        data={"code": label_codes.group(other_codes[1]).lower(), "category": "misprinted",
              "reason": "印刷错位", "confirm": "y"},
    )  # fmt: skip
    revoked = db.session.scalars(select(Label).where(Label.revoked_at.is_not(None))).all()
    assert [(label.batch_id, label.serial, label.revoke_category) for label in revoked] == [
        (other_id, 2, "misprinted")
    ]
    publisher.post(
        f"/labels/{batch_id}/revoke", data={"category": "lost", "reason": "", "confirm": "y"}
    )
    assert db.session.get(LabelBatch, batch_id).status == BatchStatus.OPEN  # a reason is needed
    publisher.post(
        f"/labels/{batch_id}/revoke",
        data={"category": "lost", "reason": "仓库失窃", "confirm": "y"},
    )
    db.session.expire_all()
    batch = db.session.get(LabelBatch, batch_id)
    assert batch.status == BatchStatus.REVOKED and batch.revoke_category == "lost"
    assert publisher.get(f"/labels/{batch_id}/codes.csv").status_code == 410
    page = publisher.post(
        f"/labels/{batch_id}/revoke", data={"category": "lost", "reason": "again", "confirm": "y"},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "This label batch is “Revoked” and cannot become “Revoked”." in page


def test_a_batch_moves_only_as_its_workflow_allows():
    assert LABEL_BATCH_WORKFLOW.allowed(BatchStatus.WRITING) == {"open", "revoked"}
    assert LABEL_BATCH_WORKFLOW.allowed(BatchStatus.OPEN) == {"sealed", "revoked"}
    assert LABEL_BATCH_WORKFLOW.allowed(BatchStatus.SEALED) == {"revoked"}
    assert LABEL_BATCH_WORKFLOW.allowed(BatchStatus.REVOKED) == set()


def test_api_orders_downloads_seals_and_revokes_own_batches_only(
    app, publisher, rival_publisher, db, authorise
):
    authorise(publisher.user, merchant_id="shop-42")
    with app.test_request_context():
        _r, key = create_api_key(db.session.get(User, publisher.user.id), "erp")
        _r, rival_key = create_api_key(db.session.get(User, rival_publisher.user.id), "erp")
        db.session.commit()
    client = app.test_client()
    mine = {"Authorization": f"Bearer {key}"}
    theirs = {"Authorization": f"Bearer {rival_key}"}
    created = client.post(
        "/api/v1/label-batches",
        json={"isbn": ISBNS[0], "merchant_id": "shop-42", "quantity": 10},
        headers=mine,
    )
    assert created.status_code == 201, created.json
    batch = created.json
    assert batch["quantity"] == 10 and batch["status"] == "open"
    assert batch["merchant_id"] == "shop-42" and "code" not in batch
    codes_url = f"/api/v1/label-batches/{batch['id']}/codes"
    assert client.get(codes_url, headers=theirs).status_code == 404
    response = client.get(codes_url, headers=mine)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once
    assert len(_codes_csv(response)) == 10
    refused = {  # the schema refuses a bad quantity; a title not the publisher's is not found
        422: [{"isbn": ISBNS[0], "quantity": 0}, {"isbn": ISBNS[0], "quantity": "5"}],
        404: [{"isbn": ISBNS[3], "quantity": 5}],
    }
    for status, bodies in refused.items():
        for body in bodies:
            answer = client.post("/api/v1/label-batches", json=body, headers=mine)
            assert answer.status_code == status, body
    seal = f"/api/v1/label-batches/{batch['id']}/seal"
    assert client.post(seal, headers=theirs).status_code == 404
    assert client.post(seal, headers=mine).json["status"] == "sealed"
    again = client.post(seal, headers=mine)
    assert again.status_code == 409
    assert (
        again.json["detail"]
        == "This label batch is “Printed and sealed” and cannot become “Printed and sealed”."
    )
    gone = client.get(codes_url, headers=mine)
    assert gone.status_code == 410 and gone.mimetype == "application/problem+json"
    revoke = f"/api/v1/label-batches/{batch['id']}/revoke"
    assert client.post(revoke, json={"reason": "x"}, headers=theirs).status_code == 404
    revoked = client.post(revoke, json={"category": "recalled", "reason": "召回"}, headers=mine)
    assert revoked.json["status"] == "revoked" and revoked.json["revoke_category"] == "recalled"


def test_cli_creates_a_batch_and_writes_its_codes(app, publisher, db, tmp_path):
    out = tmp_path / "codes.csv"
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["labels", "create", "--isbn", ISBNS[1], "--quantity", "30", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.open(encoding="utf-8")))[1:]
    assert len(rows) == 30 and all(label_codes.parse(row[1]).valid for row in rows)
    batch = db.session.scalar(select(LabelBatch).where(LabelBatch.quantity == 30))
    assert batch.title.isbn == ISBNS[1] and batch.status == BatchStatus.OPEN
    sealed = runner.invoke(
        args=["labels", "create", "--isbn", ISBNS[1], "--quantity", "3", "--out",
              str(tmp_path / "b.csv"), "--seal"]
    )  # fmt: skip
    assert sealed.exit_code == 0 and "sealed" in sealed.output
    refused = runner.invoke(
        args=["labels", "create", "--isbn", ISBNS[1], "--merchant", "nobody", "--quantity", "3",
              "--out", str(tmp_path / "c.csv")]
    )  # fmt: skip
    assert refused.exit_code != 0 and "not authorised" in refused.output
    assert not (tmp_path / "c.csv").exists()


def test_a_large_batch_is_written_in_bulk(app, publisher, db, order):
    statements = []
    connection = db.session.connection()

    def count(*args):
        statements.append(args[2])

    from sqlalchemy import event

    event.listen(connection.engine, "before_cursor_execute", count)
    try:
        batch_id, codes = order(publisher.user, quantity=50_000)
    finally:
        event.remove(connection.engine, "before_cursor_execute", count)
    assert len(codes) == 50_000 and len(set(codes)) == 50_000
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO LABEL")]
    assert len(inserts) < 50_000 / 100  # many rows per statement, not row by row
    assert (
        db.session.execute(
            text("SELECT count(*) FROM label WHERE batch_id = :b"), {"b": batch_id}
        ).scalar()
        == 50_000
    )
