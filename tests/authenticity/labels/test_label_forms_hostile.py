"""Publisher label forms and the public check, fed empty, huge and hostile values."""

import pytest
from sqlalchemy import func, select

from alliance.audit import AuditEvent
from authenticity.labels.models import Label, LabelBatch
from authenticity.sellers.models import SellerAuthorisation

INVALID = ["", " " * 10, "\u202eevil\u0000null", "x" * 100_000, "🙂" * 500]
HOSTILE = ["<script>alert('x')</script>", "=cmd|' /C calc'!A0", "'; DROP TABLE label; --"]

FORMS = {
    "/sellers/": ["merchant_id", "merchant_name", "merchant_uscc", "isbns", "valid_from"],
    "/labels/": ["isbn", "merchant_id", "quantity"],
}


def counts(db):
    return tuple(
        db.session.scalar(select(func.count(column)))
        for column in (SellerAuthorisation.id, LabelBatch.id, Label.id, AuditEvent.id)
    )


@pytest.mark.parametrize("path", sorted(FORMS))
def test_bad_values_in_every_field_store_nothing(publisher, db, path):
    before = counts(db)
    for value in INVALID + HOSTILE:
        response = publisher.post(path, data=dict.fromkeys(FORMS[path], value))
        body = response.get_data(as_text=True)
        assert response.status_code == 200, (path, value[:20])
        assert "invalid-feedback" in body or "alert-danger" in body, (path, value[:20])
        assert "<script>alert('x')" not in body
    assert counts(db) == before


def test_the_public_check_answers_hostile_input_calmly(client):
    for value in INVALID[1:] + HOSTILE + ["../../etc/passwd", "%00", "A" * 5000]:
        page = client.get("/verify", query_string={"code": value})
        assert page.status_code == 200
        assert "<script>alert('x')" not in page.get_data(as_text=True)
        api = client.get("/api/v1/labels/" + value.replace("/", "%2F")[:4000])
        assert api.status_code == 200, value[:20]
        assert api.json["status"] == "unknown"
