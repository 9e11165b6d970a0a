"""Property-based checks of the API against its own OpenAPI document (schemathesis)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from alliance.api.services import create_api_key

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found = [result.ok() for result in schema.get_all_operations()]
    assert found, "the OpenAPI document lists no operation"
    return found


@pytest.fixture
def bearer(make_user, ctx):
    _record, key = create_api_key(make_user("publisher"), "schemathesis")
    return {"Authorization": f"Bearer {key}"}


def test_api_conforms_to_its_schema(operations, bearer):
    for operation in operations:

        @given(case=operation.as_strategy())
        @SETTINGS
        def check(case):
            # Schema-valid values may still break business rules (an ISBN's check digit, a
            # publisher role): the API answers those with a 422 or 403 problem, which is right.
            case.call_and_validate(headers=bearer, excluded_checks=[positive_data_acceptance])

        check()


def test_api_refuses_requests_without_a_key_as_documented(operations):
    for operation in operations:
        if operation.path.startswith("/api/v1/labels/"):
            continue  # label verification is public: anyone may check a code without a key

        @given(case=operation.as_strategy())
        @SETTINGS
        def check(case):
            response = case.call()
            assert response.status_code == 401
            assert response.headers["content-type"][0] == "application/problem+json"

        check()
