"""The OpenAPI document: an operationId on every operation, 403 wherever a role may be refused."""

import re

import pytest

from alliance.api.arguments import refusing_roles
from alliance.api.services import create_api_key

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def view_of(app, method: str, path: str):
    """Return the view function answering `method` on the document's `path`, or None."""
    for rule in app.url_map.iter_rules():
        if (
            method.upper() in rule.methods
            and re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) == path
        ):
            return app.view_functions[rule.endpoint]
    return None  # /api/v1/labels/{code} is answered ahead of Flask (label_route.py)


def test_every_operation_has_a_unique_readable_operation_id(spec):
    ids = {
        (method, path): operation.get("operationId") for method, path, operation in operations(spec)
    }
    assert len(ids) >= 28
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", name or "") for name in ids.values()), ids
    assert len(set(ids.values())) == len(ids)
    assert {
        key: ids[key]
        for key in [
            ("get", "/api/v1/me"),
            ("get", "/api/v1/titles"),
            ("get", "/api/v1/titles/{isbn}"),
            ("patch", "/api/v1/titles/{isbn}"),
            ("post", "/api/v1/enrolments/{enrolment_id}/decision"),
            ("get", "/api/v1/label-batches/{batch_id}/codes"),
            ("get", "/api/v1/labels/{code}"),
        ]
    } == {
        ("get", "/api/v1/me"): "getMe",
        ("get", "/api/v1/titles"): "listTitles",
        ("get", "/api/v1/titles/{isbn}"): "getTitle",
        ("patch", "/api/v1/titles/{isbn}"): "updateTitle",
        ("post", "/api/v1/enrolments/{enrolment_id}/decision"): "decideEnrolment",
        ("get", "/api/v1/label-batches/{batch_id}/codes"): "listBatchCodes",
        ("get", "/api/v1/labels/{code}"): "checkLabel",
    }


def test_403_is_listed_exactly_where_a_role_check_can_refuse(app, spec):
    listed, refusing = set(), set()
    for method, path, operation in operations(spec):
        view = view_of(app, method, path)
        if "403" in operation["responses"]:
            listed.add((method, path))
            assert operation["responses"]["403"]["content"] == {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }
        if view is not None and refusing_roles(view):
            refusing.add((method, path))
    assert len(refusing) == 34
    assert listed == refusing


def test_every_operation_listing_403_answers_it_to_a_key_without_the_role(app, spec, make_user, db):
    user = make_user("writer")  # a role no API operation restricted to roles lets in
    _record, key = create_api_key(user, "no role")
    db.session.commit()
    client = app.test_client()
    answers = {}
    for method, path, operation in operations(spec):
        if "403" in operation["responses"]:
            url = re.sub(r"\{isbn\}", "9787020002207", re.sub(r"\{\w+_id\}", "1", path))
            response = client.open(
                url, method=method.upper(), json={}, headers={"Authorization": f"Bearer {key}"}
            )
            answers[(method, path)] = (response.status_code, response.mimetype)
    assert set(answers.values()) == {(403, "application/problem+json")}
