"""The OpenAPI document: it loads, lists every endpoint and documents the error format."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def openapi(client: TestClient) -> dict[str, Any]:
    """The served OpenAPI document."""
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_the_openapi_document_lists_the_lead_endpoints(openapi: dict[str, Any]) -> None:
    paths = openapi["paths"]
    assert set(paths["/api/v1/leads"]) == {"get", "post"}
    assert set(paths["/api/v1/leads/{lead_id}"]) == {"get", "patch", "delete"}
    for path in ("/api/v1/me", "/api/v1/me/tokens", "/api/v1/users", "/api/v1/lead-statuses",
                 "/api/v1/lead-sources", "/api/v1/lead-close-reasons"):  # fmt: skip
        assert path in paths


def test_every_operation_documents_its_errors_with_the_error_model(
    openapi: dict[str, Any],
) -> None:
    error_ref = "#/components/schemas/ErrorOut"
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            if operation.get("tags") == ["operations"]:
                continue  # /healthz, /readyz, /metrics: no sign-in; /readyz's 503 is a status
            errors = {code: r for code, r in operation["responses"].items() if code >= "400"}
            assert "401" in errors, (method, path)
            for response in errors.values():
                assert response["content"]["application/json"]["schema"]["$ref"] == error_ref
    assert "HTTPValidationError" not in openapi["components"]["schemas"]


def test_the_openapi_document_describes_bearer_tokens(openapi: dict[str, Any]) -> None:
    schemes = openapi["components"]["securitySchemes"]
    assert schemes["ApiToken"] == {
        "type": "http", "scheme": "bearer", "description": schemes["ApiToken"]["description"],
    }  # fmt: skip
    assert openapi["paths"]["/api/v1/leads"]["get"]["security"] == [{"ApiToken": []}]


def test_the_interactive_docs_are_served_without_loading_anything_from_the_internet(
    client: TestClient,
) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert "/api/openapi.json" in response.text
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", response.text)
    assert assets
    assert all(a.startswith("/static/") for a in assets), assets  # served by us
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_every_endpoint_is_described_in_the_api_guide(openapi: dict[str, Any]) -> None:
    guide = (Path(__file__).parents[3] / "docs" / "api.md").read_text(encoding="utf-8")
    for path, operations in openapi["paths"].items():
        documented = re.sub(r"\{[a-z_]+\}", "{id}", path.removeprefix("/api/v1"))
        for method in operations:
            assert f"{method.upper()} {documented}`" in guide, (method, path)
