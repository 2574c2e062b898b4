"""The API describes itself: /api/openapi.json and /api/docs."""
import re

from openapi_spec_validator import validate

from elearn.web.openapi import operations

PROMISED_PATHS = {
    ("post", "/api/auth/login"), ("post", "/api/auth/register"), ("get", "/api/auth/me"),
    ("post", "/api/users"), ("get", "/api/users"), ("patch", "/api/users/{userId}"),
    ("get", "/api/courses"), ("get", "/api/courses/{courseId}"), ("post", "/api/courses"),
    ("patch", "/api/courses/{courseId}"), ("delete", "/api/courses/{courseId}"),
    ("post", "/api/courses/{courseId}/modules"), ("patch", "/api/modules/{moduleId}"),
    ("delete", "/api/modules/{moduleId}"), ("post", "/api/modules/{moduleId}/contents"),
    ("post", "/api/enrollments"), ("get", "/api/enrollments"),
    ("post", "/api/progress"), ("get", "/api/progress/my-progress"),
    ("get", "/api/progress/enrollment/{enrollmentId}"), ("get", "/api/progress/course/{enrollmentId}"),
    ("patch", "/api/progress/{progressId}"), ("post", "/api/progress/mark-completed/{enrollmentId}/{moduleId}"),
    ("get", "/api/progress/overall"), ("get", "/api/progress"),
    ("post", "/api/progress/bulk"), ("get", "/api/progress/courses"),
}


def test_openapi_document_is_valid_3_1_and_covers_the_contract(app, client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    documented = {(method, path) for path, ops in spec["paths"].items() for method in ops}
    assert PROMISED_PATHS <= documented
    assert len(documented) == len(operations(app))


def test_every_api_route_is_documented_csv_exports_included(app, client):
    spec = client.get("/api/openapi.json").get_json()
    documented = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.websocket or rule.endpoint.startswith("openapi."):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + re.sub(r"_(\w)", lambda c: c.group(1).upper(),
                                                                      m.group(1)) + "}", rule.rule)
        served |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented
    csv = spec["paths"]["/api/analytics/courses/{courseId}/students.csv"]["get"]
    assert "text/csv" in csv["responses"]["200"]["content"]
    assert {"q", "sort"} <= {p["name"] for p in csv["parameters"]}


def test_every_operation_documents_its_success_and_error_responses(client):
    spec = client.get("/api/openapi.json").get_json()
    login = spec["paths"]["/api/auth/login"]["post"]
    assert login["security"] == [] and {"200", "400", "401", "422"} <= set(login["responses"])
    mark = spec["paths"]["/api/progress/mark-completed/{enrollmentId}/{moduleId}"]["post"]
    assert {"200", "401", "403", "404", "422"} <= set(mark["responses"])
    overall = mark["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert overall.endswith("/ProgressOut")
    record = spec["components"]["schemas"]["ProgressOut"]["properties"]
    assert set(record) == {"id", "enrollmentId", "moduleId", "completed", "startedAt", "completedAt", "updatedAt"}
    listing = spec["paths"]["/api/progress"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"page", "perPage", "userId", "q", "courseId", "completed"}
    assert set(listing["responses"]["200"]["content"]["application/json"]["schema"]["properties"]) == {
        "items", "page", "perPage", "total"}


def test_docs_page_serves_the_vendored_swagger_ui(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "vendor/swagger-ui-5.35.0/swagger-ui-bundle.js" in html and 'data-spec-url="/api/openapi.json"' in html
    with client.get("/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js") as bundle:
        assert bundle.status_code == 200


def test_json_responses_are_gzipped_when_asked(client):
    response = client.get("/api/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]


def test_every_schema_has_a_name_of_its_own(client):
    """Two features' schemas of one name would be published as module paths; readers of
    the reference (and client generators) deserve plain names."""
    names = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    assert not [name for name in names if "__" in name]
