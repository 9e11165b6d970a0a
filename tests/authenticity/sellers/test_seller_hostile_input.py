"""Authorised sellers and label orders fed control characters and numbers that are not digits."""

import pytest
from sqlalchemy import func, select

from alliance.errors import DomainError
from authenticity.labels.models import LabelBatch
from authenticity.sellers import services as sellers
from authenticity.sellers.models import SellerAuthorisation

CONTROL = "Remove the invisible control characters from this text."
ISBNS = ["9787020001002"]  # a title of `press` (see conftest.py)
REASONS = ["合同\u0006到期", "合同\u202e到期", "合同\u0000到期", "合同\x1b到期"]


def revoked(db, authorisation_id) -> bool:
    db.session.expire_all()
    return db.session.get(SellerAuthorisation, authorisation_id).revoked_at is not None


def test_a_revoke_reason_with_control_characters_is_refused_on_the_page(publisher, db, authorise):
    authorisation_id = authorise(publisher.user)
    for reason in REASONS:
        response = publisher.post(f"/sellers/{authorisation_id}/revoke", data={"reason": reason})
        assert response.status_code == 302 and response.headers["Location"] == "/sellers/"
        assert CONTROL in publisher.get("/sellers/").get_data(as_text=True)
        assert not revoked(db, authorisation_id)


def test_a_revoke_reason_with_control_characters_is_a_422_on_the_api(
    client, publisher, db, authorise, bearer
):
    authorisation_id = authorise(publisher.user)
    headers = bearer(publisher.user)
    for reason in REASONS:
        response = client.post(
            f"/api/v1/authorisations/{authorisation_id}/revoke",
            json={"reason": reason},
            headers=headers,
        )
        assert response.status_code == 422, response.status_code
        assert response.json["errors"] == {"json": {"reason": [CONTROL]}}
        assert not revoked(db, authorisation_id)


def test_the_revoke_service_refuses_control_characters_as_a_domain_error(app, publisher, authorise):
    authorisation_id = authorise(publisher.user)
    with app.test_request_context():
        from alliance.auth.models import User
        from alliance.extensions import db

        user = db.session.get(User, publisher.user.id)
        authorisation = db.session.get(SellerAuthorisation, authorisation_id)
        with pytest.raises(DomainError) as caught:
            sellers.revoke_authorisation(user, authorisation, "合同\u0006到期")
        assert str(caught.value.message) == CONTROL


BIG = "9" * 400


def test_a_label_order_takes_digits_only(publisher, db):
    for quantity, message in [
        (BIG, "Order between 1 and 1,000,000 labels."),
        ("0", "Order between 1 and 1,000,000 labels."),
        ("²", "Enter a whole number in digits, such as 120."),
        ("٣", "Enter a whole number in digits, such as 120."),
        ("¥10", "Enter a whole number in digits, such as 120."),
        ("1e3", "Enter a whole number in digits, such as 120."),
    ]:
        response = publisher.post("/labels/", data={"isbn": ISBNS[0], "quantity": quantity})
        page = response.get_data(as_text=True)
        assert response.status_code == 200, quantity[:5]
        assert message in page, quantity[:5]
        assert f'value="{ISBNS[0]}"' in page
    assert db.session.scalar(select(func.count(LabelBatch.id))) == 0
    ordered = publisher.post("/labels/", data={"isbn": ISBNS[0], "quantity": "１０"})
    assert ordered.status_code == 302
    assert db.session.scalar(select(LabelBatch.quantity)) == 10


def test_a_400_digit_quantity_on_the_api_is_a_422(client, publisher, db, bearer):
    response = client.post(
        "/api/v1/label-batches",
        data=f'{{"isbn": "{ISBNS[0]}", "quantity": {BIG}}}',
        headers={**bearer(publisher.user), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json["errors"] == {
        "json": {
            "quantity": ["Must be greater than or equal to 1 and less than or equal to 1000000."]
        }
    }
