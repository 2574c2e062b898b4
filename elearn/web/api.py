"""The ``/api`` blueprint and the one decorator every JSON view goes through.

``api_route`` does, in order: authenticate the bearer token (unless ``auth=False``), check
the caller's role, parse and validate the JSON body and query string with pydantic, call
the view, and serialise what it returns with the declared response schema. It also
records all of that so ``/api/openapi.json`` describes exactly what runs.
"""
import functools
import json
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Blueprint, jsonify, request
from flask_jwt_extended import current_user, verify_jwt_in_request
from pydantic import BaseModel, ValidationError

from ..auth.access import require_role
from ..errors import Invalid, Malformed
from ..pagination import Page

bp = Blueprint("api", __name__, url_prefix="/api")


@dataclass
class Endpoint:
    """What the OpenAPI document says of one route."""

    rule: str
    method: str
    view: Callable
    summary: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    paginated: bool
    many: bool
    auth: bool
    roles: tuple[str, ...]
    errors: tuple[int, ...] = field(default=())


ENDPOINTS: list[Endpoint] = []


def _validation_details(error: ValidationError) -> dict:
    details: dict[str, str] = {}
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "body"
        details.setdefault(where, item["msg"])
    return details


def parse_json_body(schema: type[BaseModel]):
    raw = request.get_data(cache=True)
    if not raw:
        payload: Any = {}
    else:
        try:
            payload = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise Malformed("The request body is not valid JSON.")
    if not isinstance(payload, dict):
        raise Malformed("The request body must be a JSON object.")
    try:
        return schema.model_validate(payload)
    except ValidationError as error:
        raise Invalid("Some fields are invalid.", details=_validation_details(error))


def parse_query(schema: type[BaseModel]):
    try:
        return schema.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise Invalid("Some query parameters are invalid.", details=_validation_details(error))


def dump(schema: type[BaseModel], obj) -> dict:
    return schema.model_validate(obj).model_dump(mode="json", by_alias=True)


def api_route(
    rule: str,
    method: str = "GET",
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    paginated: bool = False,
    many: bool = False,
    auth: bool = True,
    roles: tuple[str, ...] = (),
    errors: tuple[int, ...] = (),
):
    """Register a JSON view. The view gets ``body=``/``query=`` when declared, and returns
    an object or dict, a ``Page`` (``paginated=True``), a list (``many=True``) or None
    (204), optionally as ``(value, headers)``."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(**kwargs):
            if auth:
                verify_jwt_in_request()
                if roles:
                    require_role(current_user, *roles)
            if body is not None:
                kwargs["body"] = parse_json_body(body)
            if query is not None:
                kwargs["query"] = parse_query(query)
            result = view(**kwargs)
            headers = {}
            if isinstance(result, tuple):
                result, headers = result
            if result is None:
                return "", 204, headers
            if paginated:
                assert isinstance(result, Page)
                payload = {
                    "items": [dump(response, item) for item in result.items],
                    "page": result.page,
                    "perPage": result.per_page,
                    "total": result.total,
                }
            elif many:
                payload = [dump(response, item) for item in result]
            elif response is not None:
                payload = dump(response, result)
            else:
                payload = result
            return jsonify(payload), status, headers

        endpoint_name = view.__module__.rsplit(".", 2)[-2] + "_" + view.__name__
        bp.add_url_rule(rule, endpoint=endpoint_name, view_func=wrapper, methods=[method])
        ENDPOINTS.append(Endpoint(
            rule=rule, method=method, view=view, summary=(view.__doc__ or "").strip(),
            body=body, query=query, response=response, status=status, paginated=paginated, many=many,
            auth=auth, roles=roles, errors=errors,
        ))
        return wrapper

    return decorator
