"""Steps that cannot be undone ask first: sealing (twice when never downloaded), revoking."""

import csv
import io

from sqlalchemy import func, select

from alliance.audit import AuditEvent
from alliance.auth.models import User
from alliance.errors import FieldsInvalid
from authenticity.labels import codes as label_codes
from authenticity.labels import services
from authenticity.labels.models import BatchStatus, Label, LabelBatch

ISBN = "9787020001002"
NOT_CONFIRMED = "Tick the box to confirm: this step cannot be undone."
PROBLEMS = "https://book-alliance.example.org/problems/"


def _fresh_batch(app, db, user, quantity=5) -> int:
    """Order a batch whose codes nobody downloaded; return its id."""
    with app.test_request_context():
        batch = services.create_batch(db.session.get(User, user.id), ISBN, None, quantity)
        db.session.commit()
        return batch.id


def _batch(db, batch_id) -> LabelBatch:
    db.session.expire_all()
    return db.session.get(LabelBatch, batch_id)


def _actions(db, batch_id) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "label_batch", AuditEvent.entity_id == str(batch_id))
            .order_by(AuditEvent.id)
        )
    )


def test_the_batch_page_names_what_sealing_and_revoking_lose(publisher, db, order):
    batch_id, _codes = order(publisher.user, quantity=5)  # downloaded by the fixture
    page = publisher.get(f"/labels/{batch_id}").text
    assert (
        f"I understand that the 5 codes of batch {batch_id} are deleted for good: nobody can "
        "print these labels again."
    ) in page
    assert f"Sealing deletes the 5 codes of batch {batch_id}" in page
    assert "This cannot be undone." in page
    assert "never downloaded" not in page  # the codes were downloaded: one box is enough
    assert (
        f"I understand that readers who check any of the 5 labels of batch {batch_id} will be "
        "told it is revoked, and that this cannot be undone."
    ) in page
    assert 'aria-describedby="seal-form-consequence"' in page
    assert "confirm(" not in page  # no script dialog: the box works without JavaScript


def test_sealing_without_the_box_ticked_changes_nothing(publisher, db, order):
    batch_id, _codes = order(publisher.user, quantity=5)
    for data in ({}, {"confirm": ""}, {"confirm_not_downloaded": "y"}):
        refused = publisher.post(f"/labels/{batch_id}/seal", data=data)
        assert refused.status_code == 422
        assert NOT_CONFIRMED in refused.text
        assert 'aria-invalid="true"' in refused.text
        assert 'aria-describedby="seal-form-confirm-error"' in refused.text
    batch = _batch(db, batch_id)
    assert batch.status == BatchStatus.OPEN and batch.code_secret is not None
    assert "label_batch.seal" not in _actions(db, batch_id)
    sealed = publisher.post(f"/labels/{batch_id}/seal", data={"confirm": "y"})
    assert sealed.status_code == 302
    assert _batch(db, batch_id).status == BatchStatus.SEALED


def test_a_batch_never_downloaded_needs_a_second_confirmation(app, publisher, db):
    batch_id = _fresh_batch(app, db, publisher.user, quantity=2000)
    page = publisher.get(f"/labels/{batch_id}").text
    assert "The codes of this batch were never downloaded, as CSV or as sheets." in page
    assert (
        "I understand that these codes were never downloaded: sealing now loses all 2,000 "
        "labels of this batch."
    ) in page
    assert f"I understand that the 2,000 codes of batch {batch_id} are deleted for good" in page
    refused = publisher.post(f"/labels/{batch_id}/seal", data={"confirm": "y"})
    assert refused.status_code == 422
    assert 'aria-describedby="seal-form-confirm_not_downloaded-error"' in refused.text
    assert _batch(db, batch_id).status == BatchStatus.OPEN
    sealed = publisher.post(
        f"/labels/{batch_id}/seal", data={"confirm": "y", "confirm_not_downloaded": "y"}
    )
    assert sealed.status_code == 302
    batch = _batch(db, batch_id)
    assert batch.status == BatchStatus.SEALED and batch.code_secret is None


def test_the_service_refuses_an_undownloaded_batch_whatever_the_channel(app, publisher, db):
    batch_id = _fresh_batch(app, db, publisher.user)
    with app.test_request_context():
        batch = db.session.get(LabelBatch, batch_id)
        try:
            services.seal_batch(None, batch)
        except FieldsInvalid as refused:
            assert refused.problems == {"confirm_not_downloaded": services.NOT_DOWNLOADED}
        else:
            raise AssertionError("sealed a batch never downloaded")
        db.session.rollback()
    assert _batch(db, batch_id).status == BatchStatus.OPEN


def test_a_download_of_codes_or_of_a_sheet_is_recorded(app, publisher, db):
    by_csv = _fresh_batch(app, db, publisher.user)
    by_sheet = _fresh_batch(app, db, publisher.user)
    untouched = _fresh_batch(app, db, publisher.user)
    rows = list(csv.reader(io.StringIO(publisher.get(f"/labels/{by_csv}/codes.csv").text)))
    assert len(rows) == 6
    assert publisher.get(f"/labels/{by_sheet}/sheet-1.svg").status_code == 200
    assert publisher.get(f"/labels/{untouched}/sheet-2.svg").status_code == 404  # no sheet 2
    assert _batch(db, by_csv).downloaded_at is not None
    assert _batch(db, by_sheet).downloaded_at is not None
    assert _batch(db, untouched).downloaded_at is None
    assert _actions(db, by_sheet) == [
        "label_batch.create", "label_batch.written", "label_batch.download"
    ]  # fmt: skip
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "label_batch.download", AuditEvent.entity_id == str(by_csv)
        )
    )
    assert event.before == {"downloaded": False}
    assert event.after == {"downloaded": True, "first": 1, "last": 5}
    assert event.actor_id == publisher.user.id
    for batch_id in (by_csv, by_sheet):
        sealed = publisher.post(f"/labels/{batch_id}/seal", data={"confirm": "y"})
        assert sealed.status_code == 302
        assert _batch(db, batch_id).status == BatchStatus.SEALED
    # a sealed batch refuses the download, and records none
    assert publisher.get(f"/labels/{by_csv}/codes.csv").status_code == 410
    assert _actions(db, by_csv).count("label_batch.download") == 1


def test_the_api_seals_a_batch_never_downloaded_only_when_told(app, publisher, db, client, bearer):
    key = bearer(publisher.user)
    batch_id = _fresh_batch(app, db, publisher.user)
    seal = f"/api/v1/label-batches/{batch_id}/seal"
    shown = client.get(f"/api/v1/label-batches/{batch_id}", headers=key).json
    assert shown["downloaded_at"] is None
    refused = client.post(seal, headers=key)
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert refused.json["errors"]["json"] == {
        "confirm_not_downloaded": [str(services.NOT_DOWNLOADED)]
    }
    assert refused.json["detail"] == str(services.NOT_DOWNLOADED)
    for hostile in ("<script>alert(1)</script>", "=cmd|' /C calc'!A0", "x" * 100_000, 1.5):
        answer = client.post(seal, json={"confirm_not_downloaded": hostile}, headers=key)
        assert answer.status_code == 422, hostile
    assert client.post(seal, json={"confirm_not_downloaded": False}, headers=key).status_code == 422
    assert _batch(db, batch_id).status == BatchStatus.OPEN
    done = client.post(seal, json={"confirm_not_downloaded": True}, headers=key)
    assert done.status_code == 200 and done.json["status"] == "sealed"


def test_an_api_client_that_downloaded_the_codes_seals_as_before(
    app, publisher, db, client, bearer
):
    key = bearer(publisher.user)
    batch_id = _fresh_batch(app, db, publisher.user)
    assert client.get(f"/api/v1/label-batches/{batch_id}/codes", headers=key).status_code == 200
    assert client.get(f"/api/v1/label-batches/{batch_id}", headers=key).json["downloaded_at"]
    sealed = client.post(f"/api/v1/label-batches/{batch_id}/seal", headers=key)
    assert sealed.status_code == 200 and sealed.json["status"] == "sealed"


def test_the_api_documents_the_confirmation(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/label-batches/{batch_id}/seal"]["post"]
    assert "422" in operation["responses"]
    schema = spec["components"]["schemas"]["SealBatch"]
    assert schema["properties"]["confirm_not_downloaded"]["type"] == "boolean"
    assert "never downloaded" in schema["properties"]["confirm_not_downloaded"]["description"]


def test_revoking_a_batch_asks_first_and_counts_the_labels(publisher, db, order, client):
    batch_id, codes = order(publisher.user, quantity=5)
    one = publisher.post(
        "/labels/revoke-code",
        data={"code": codes[0], "category": "lost", "reason": "丢了一张", "confirm": "y"},
    )
    assert one.status_code == 302
    page = publisher.get(f"/labels/{batch_id}").text
    assert f"any of the 4 labels of batch {batch_id} will be told it is revoked" in page
    assert "Readers who check any of the 4 labels of this batch will be told" in page
    refused = publisher.post(
        f"/labels/{batch_id}/revoke", data={"category": "lost", "reason": "仓库失窃"}
    )
    assert refused.status_code == 422 and NOT_CONFIRMED in refused.text
    assert 'value="仓库失窃"' in refused.text  # the input is kept
    assert _batch(db, batch_id).status == BatchStatus.OPEN
    assert client.get(f"/api/v1/labels/{codes[1]}").json["status"] == "genuine"
    hostile = "<script>alert(1)</script> =cmd|' /C calc'!A0"
    done = publisher.post(
        f"/labels/{batch_id}/revoke",
        data={"category": "lost", "reason": hostile, "confirm": "y"},
    )
    assert done.status_code == 302
    batch = _batch(db, batch_id)
    assert batch.status == BatchStatus.REVOKED and batch.revoke_reason == hostile
    shown = publisher.get(f"/labels/{batch_id}").text
    assert "<script>alert(1)" not in shown and "&lt;script&gt;alert(1)" in shown
    assert client.get(f"/api/v1/labels/{codes[1]}").json["status"] == "revoked"


def test_revoking_one_label_asks_first(publisher, db, order):
    _batch_id, codes = order(publisher.user, quantity=2)
    page = publisher.get("/labels/").text
    assert (
        "I understand that readers who check this label will be told it is revoked, and that "
        "this cannot be undone."
    ) in page
    data = {"code": label_codes.group(codes[1]), "category": "misprinted", "reason": "错位"}
    refused = publisher.post("/labels/revoke-code", data=data)
    assert refused.status_code == 422 and NOT_CONFIRMED in refused.text
    assert db.session.scalar(select(func.count(Label.revoked_at))) == 0
    no_code = publisher.post("/labels/revoke-code", data={**data, "code": "", "confirm": "y"})
    assert no_code.status_code == 422 and "Type the code of the label." in no_code.text
    unknown = publisher.post(
        "/labels/revoke-code", data={**data, "code": "<script>", "confirm": "y"}
    )
    assert unknown.status_code == 422
    assert "None of your labels has this code." in unknown.text
    assert 'value="&lt;script&gt;"' in unknown.text  # kept, escaped
    assert publisher.post("/labels/revoke-code", data={**data, "confirm": "y"}).status_code == 302
    assert db.session.scalar(select(func.count(Label.revoked_at))) == 1
