"""``GET /api/openapi.json`` (OpenAPI 3.1) and ``GET /api/docs``, built from the same
declarations every ``JsonApi`` operation enforces, so the document cannot drift from the code."""
import re

from flask import Blueprint, current_app, render_template
from pydantic.alias_generators import to_camel
from pydantic.json_schema import models_json_schema

from ..schemas import MAX_ID, ErrorOut
from .json_api import CSV, JSON, NDJSON, JsonApi, Operation

bp = Blueprint("openapi", __name__, url_prefix="/api")

REF = "#/components/schemas/{model}"
ERROR_TEXT = {
    400: "Malformed JSON or not a JSON object",
    401: "Missing, invalid or expired bearer token",
    403: "Not allowed for this user",
    404: "Not found (or not yours)",
    409: "Conflicts with existing data",
    413: "Request body too large",
    422: "Invalid fields; details name each one",
    429: "Too many requests",
}
#: What a streamed file of each media type is.
FILE_TEXT = {CSV: "A CSV file, streamed", NDJSON: "One JSON object per line, streamed"}
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path(rule: str) -> str:
    return "/api" + _PARAM.sub(lambda m: "{" + to_camel(m.group(2)) + "}", rule)


def operations(app) -> list[Operation]:
    """Every JSON operation of the app, in the order the features were registered."""
    return [op for blueprint in app.blueprints.values() if isinstance(blueprint, JsonApi)
            for op in blueprint.operations]


def build_spec(app) -> dict:
    endpoints = operations(app)
    models = set()
    for e in endpoints:
        if e.body:
            models.add((e.body, "validation"))
        if e.response:
            models.add((e.response, "serialization"))
    models.add((ErrorOut, "serialization"))
    key_map, defs = models_json_schema(sorted(models, key=lambda m: (m[0].__name__, m[1])),
                                       by_alias=True, ref_template=REF)

    def ref(model, mode):
        return key_map[(model, mode)]

    paths: dict = {}
    for e in endpoints:
        operation: dict = {
            "operationId": e.operation_id,
            "summary": e.summary.splitlines()[0] if e.summary else e.view.__name__,
            "tags": [e.feature],
            "parameters": [],
            "responses": {},
        }
        if e.summary:
            operation["description"] = e.summary
        if e.roles:
            operation["description"] = operation.get("description", "") + f"\n\nRoles: {', '.join(e.roles)}."
        operation["security"] = [{"bearerAuth": []}] if e.auth else []
        for _conv, name in _PARAM.findall(e.rule):
            operation["parameters"].append({"name": to_camel(name), "in": "path", "required": True,
                                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}})
        if e.query:
            schema = e.query.model_json_schema(by_alias=True, mode="validation")
            for name, prop in schema.get("properties", {}).items():
                operation["parameters"].append({"name": name, "in": "query",
                                                "required": name in schema.get("required", []),
                                                "schema": prop})
        if e.body:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": ref(e.body, "validation")}}}
        if e.upload:
            operation.setdefault("requestBody", {"required": True, "content": {}})["content"][
                "multipart/form-data"] = {"schema": {"type": "object", "required": [e.upload], "properties": {
                    e.upload: {"type": "string", "format": "binary"}, "title": {"type": "string", "maxLength": 200},
                    "type": {"type": "string"}}} if e.body else {"type": "object", "required": [e.upload],
                                                                  "properties": {e.upload: {"type": "string",
                                                                                            "format": "binary"}}}}

        if e.media_type != JSON:
            operation["responses"][str(e.status)] = {
                "description": FILE_TEXT[e.media_type], "content": {e.media_type: {"schema": {"type": "string"}}}}
        elif e.status == 204 or e.response is None:
            operation["responses"][str(e.status)] = {"description": "Done; no content"}
        else:
            body = ref(e.response, "serialization")
            if e.paginated:
                body = {"type": "object", "required": ["items", "page", "perPage", "total"], "properties": {
                    "items": {"type": "array", "items": body}, "page": {"type": "integer"},
                    "perPage": {"type": "integer"}, "total": {"type": "integer"}}}
            elif e.many:
                body = {"type": "array", "items": body}
            operation["responses"][str(e.status)] = {
                "description": "Success", "content": {"application/json": {"schema": body}}}

        errors = set(e.errors)
        if e.body or e.upload:
            errors |= {400, 413, 422}
        if e.query:
            errors.add(422)
        if e.auth:
            errors.add(401)
        if e.roles:
            errors.add(403)
        error_schema = ref(ErrorOut, "serialization")
        for status in sorted(errors):
            operation["responses"][str(status)] = {
                "description": ERROR_TEXT[status],
                "content": {"application/json": {"schema": error_schema}}}
        paths.setdefault(_path(e.rule), {})[e.method.lower()] = operation

    return {
        "openapi": "3.1.0",
        "info": {"title": "elearn API", "version": "1.0",
                 "description": "Progress tracking and learning analytics. Sign in with "
                                "POST /api/auth/login and send `Authorization: Bearer <accessToken>`."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    spec = current_app.extensions.get("elearn.openapi")
    if spec is None:
        spec = current_app.extensions["elearn.openapi"] = build_spec(current_app)
    return spec


@bp.get("/docs")
def docs():
    return render_template("api/docs.html")
