"""Property-based fuzzing of the whole API from its own OpenAPI document.

Schemathesis generates valid and invalid requests for every operation (the
examples in the schema point it at a real site and thread); every answer must
be a non-5xx that matches the documented status codes, content types and
schemas, and requests that break the schema must be refused.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from comments import posting
from comments.database import unit_of_work

schema = schemathesis.pytest.from_fixture("api_schema")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def api_schema(app_factory: Any) -> Any:
    """Return the API schema bound to an app with the example site and a thread."""
    app = app_factory()
    from tests.factories import make_site

    make_site(app, slug="demo", origins=("http://127.0.0.1:8000", "http://localhost"))
    with app.app_context(), unit_of_work():
        policy = posting.Policy(secret="test-secret")
        root = posting.create_comment(
            posting.NewComment(
                site="demo",
                thread="demo-article",
                url="http://127.0.0.1:8000/",
                body="First!",
                name="Ann",
            ),
            policy,
        ).comment
        posting.create_comment(
            posting.NewComment(
                site="demo", thread="demo-article", body="A reply", name="Bob", parent_id=root.id
            ),
            policy,
        )
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    loaded.config.generation.update(
        modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
    )
    return loaded


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_answers_every_generated_request_within_its_contract(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)
