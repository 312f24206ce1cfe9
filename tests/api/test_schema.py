"""The OpenAPI 3 schema at /api/schema/ and the documentation at /api/docs/."""

from django.contrib.staticfiles import finders
from django.test import Client
from drf_spectacular.validation import validate_schema

CONTRACT_PATHS = [
    "/api/v1/instruments/",
    "/api/v1/instruments/{code}/",
    "/api/v1/cycles/",
    "/api/v1/cycles/{slug}/",
    "/api/v1/responses/",
    "/api/v1/responses/{id}/draft/",
    "/api/v1/responses/{id}/submit/",
    "/api/v1/responses/{id}/amend/",
    "/api/v1/responses/{id}/request-clarification/",
    "/api/v1/responses/{id}/accept/",
    "/api/v1/responses/{id}/secretariat-amendment/",
    "/api/v1/responses/{id}/versions/",
    "/api/v1/responses/{id}/versions/{number}/",
    "/api/v1/responses/{id}/diff/",
]


def test_it_serves_a_valid_openapi_3_schema_with_every_contract_path(db):
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert schema["openapi"].startswith("3.")
    assert set(CONTRACT_PATHS) <= set(schema["paths"])
    draft = schema["paths"]["/api/v1/responses/{id}/draft/"]
    assert {"200", "412", "428"} <= set(draft["patch"]["responses"])
    assert schema["components"]["securitySchemes"]["tokenAuth"]["in"] == "header"


def test_it_documents_the_one_error_shape(db):
    schema = Client().get("/api/schema/", {"format": "json"}).json()
    error = schema["components"]["schemas"]["ErrorDetail"]
    assert set(error["required"]) == {"code", "message", "fields"}
    listing = schema["paths"]["/api/v1/responses/"]["get"]["responses"]
    assert listing["401"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"


def test_it_serves_the_documentation_from_the_portal_itself(db):
    page = Client().get("/api/docs/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in content
    assert "cdn" not in content.lower()
    script = Client().get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()


def test_the_documentation_assets_are_static_files_of_the_portal():
    # drf-spectacular-sidecar ships Swagger UI; "drf_spectacular_sidecar" in INSTALLED_APPS
    # makes its files static files of the portal (collectstatic, whitenoise): no CDN.
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_every_method_on_the_schema_and_the_documentation_answers_properly(db):
    client = Client(raise_request_exception=False)
    for path in ("/api/docs/", "/api/docs/?script=", "/api/schema/"):
        for method in ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "TRACE"):
            response = client.generic(method, path)
            assert response.status_code in (200, 405), (method, path, response.status_code)
            if response.status_code == 405:
                assert "GET" in response["Allow"], (method, path)
