"""Each feature's JSON routes, and the one decorator every JSON view goes through.

A feature's ``api.py`` makes a ``JsonApi`` (a blueprint under ``/api``) and declares its
routes with ``@api.operation(...)``; ``create_app`` registers it like any blueprint. An
operation does, in order: authenticate the bearer token (unless ``auth=False``), check the
caller's role, parse and validate the JSON body and query string with pydantic, call the
view, and serialise what it returns with the declared response schema. The blueprint keeps
each declaration, so ``/api/openapi.json`` describes exactly what runs.
"""
import functools
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Response, jsonify, request
from flask_jwt_extended import current_user, verify_jwt_in_request
from pydantic import BaseModel

from ..cache import Entry, read_ahead_for_user, stores_held
from ..pagination import Page
from ..schemas import OutSchema
from .access import require_role
from .inputs import parse_json_body, parse_query

JSON = "application/json"
CSV = "text/csv"
#: One JSON object per line (a warehouse export).
NDJSON = "application/x-ndjson"


@dataclass
class Operation:
    """What the OpenAPI document says of one route."""

    feature: str
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
    errors: tuple[int, ...]
    media_type: str
    #: The multipart field of a file the route takes (``multipart/form-data``), if any.
    upload: str | None = None

    @property
    def operation_id(self) -> str:
        return f"{self.feature}_{self.view.__name__}"


def dump(schema: type[OutSchema], obj) -> dict:
    return schema.of(obj).model_dump(mode="json", by_alias=True)


class JsonApi(Blueprint):
    """One feature's routes under ``/api`` (endpoint names ``<feature>_api.<view>``)."""

    def __init__(self, feature: str, import_name: str):
        super().__init__(f"{feature}_api", import_name, url_prefix="/api")
        self.feature = feature
        self.operations: list[Operation] = []

    def operation(
        self,
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
        media_type: str = JSON,
        upload: str | None = None,
        read_ahead: Callable[..., list[Entry]] | None = None,
    ):
        """Register a JSON view. The view gets ``body=``/``query=`` when declared, and returns
        an object or dict, a ``Page`` (``paginated=True``), a list (``many=True``), None
        (204) or, for a file (``media_type=CSV`` or ``NDJSON``), a streamed ``Response``; optionally as
        ``(value, headers)``. ``read_ahead(user_id, **path_arguments)``: the cache entries
        the view will read, fetched with the sign-in check in one round trip."""

        def decorator(view):
            @functools.wraps(view)
            def wrapper(**kwargs):
                # The sign-in check and what the view computes are stored in one round trip.
                with stores_held():
                    return respond(**kwargs)

            def respond(**kwargs):
                if auth:
                    if read_ahead is not None:
                        read_ahead_for_user(functools.partial(read_ahead, **kwargs))
                    verify_jwt_in_request()
                    if roles:
                        require_role(current_user, *roles)
                if body is not None:
                    # A route that also takes a file: a multipart request is the file's (body None).
                    multipart = upload is not None and request.mimetype == "multipart/form-data"
                    kwargs["body"] = None if multipart else parse_json_body(body)
                if query is not None:
                    kwargs["query"] = parse_query(query)
                result = view(**kwargs)
                if isinstance(result, Response):
                    return result
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
                    # Serialised by pydantic's own encoder: a third of a cached read's time
                    # went to building a dict and encoding it again with the json module.
                    # (ASCII, as jsonify writes the lists: the same bytes for the same text.)
                    encoded = response.of(result).model_dump_json(by_alias=True, ensure_ascii=True)
                    return Response(encoded, status, headers, mimetype=JSON)
                else:
                    payload = result
                return jsonify(payload), status, headers

            self.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=[method])
            self.operations.append(Operation(
                feature=self.feature, rule=rule, method=method, view=view, summary=(view.__doc__ or "").strip(),
                body=body, query=query, response=response, status=status, paginated=paginated, many=many,
                auth=auth, roles=roles, errors=errors, media_type=media_type, upload=upload,
            ))
            return wrapper

        return decorator
