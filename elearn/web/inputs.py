"""Reading input: query strings, forms and JSON bodies, all through the API's pydantic schemas.

One schema per input, the same limits on every surface:

- ``parse_query(schema)``: the query string. The JSON API answers bad values with 422;
  pages (``lenient=True``) ignore blank fields and drop the ones that do not validate, so a
  hand-edited URL still shows the page with its other filters.
- ``parse_form(schema)``: a posted HTML form, read by each field's camelCase name (``email``,
  ``categoryId``). Returns ``(data, errors)`` for the template to show beside each input.
- ``parse_json_body(schema)``: the JSON API's request body (400 malformed, 422 invalid).

Every message is a plain sentence from ``validation_messages``, the same on both surfaces.
"""
import json
from typing import Annotated, Any, get_args, get_origin

from flask import request
from flask_babel import gettext
from pydantic import BaseModel, ValidationError

from ..errors import Invalid, Malformed
from .validation_messages import field_messages, sentence


def parse_query(schema: type[BaseModel], *, lenient: bool = False):
    values = request.args.to_dict()
    if not lenient:
        try:
            return schema.model_validate(values)
        except ValidationError as error:
            raise Invalid(gettext("Some query parameters are invalid."), details=field_messages(error.errors(), schema)) from error
    values = {key: value for key, value in values.items() if value != ""}
    while True:
        try:
            return schema.model_validate(values)
        except ValidationError as error:
            bad = {str(item["loc"][0]) for item in error.errors() if item["loc"]}
            if not bad & values.keys():
                return schema.model_validate({})
            values = {key: value for key, value in values.items() if key not in bad}


def _takes_text(annotation) -> bool:
    if annotation is str:
        return True
    if get_origin(annotation) is Annotated:
        return _takes_text(get_args(annotation)[0])
    return any(_takes_text(arg) for arg in get_args(annotation))


def _form_values(schema: type[BaseModel], form, overrides: dict) -> dict[str, Any]:
    """The schema's fields from the form. A blank text field is text (a cleared title is an
    error, not "unchanged"); a blank optional number or choice is left to its default."""
    values: dict[str, Any] = {}
    for name, field in schema.model_fields.items():
        if name in overrides:
            values[name] = overrides[name]
            continue
        raw = form.get(field.alias or name, form.get(name))
        if raw is None or (raw == "" and not field.is_required() and not _takes_text(field.annotation)):
            continue
        values[name] = raw
    return values


def parse_form(schema: type[BaseModel], **overrides):
    """Validate the posted form with ``schema``; ``overrides`` supply fields the form spells
    differently (a price typed in dollars for ``price_cents``).

    Returns ``(data, {})``, or ``(None, errors)`` with a sentence for each invalid field,
    keyed by the schema's Python field name (``form`` for the form as a whole).
    """
    try:
        return schema.model_validate(_form_values(schema, request.form, overrides)), {}
    except ValidationError as error:
        errors: dict[str, str] = {}
        for item in error.errors():
            errors.setdefault(str(item["loc"][0]) if item["loc"] else "form", sentence(item, schema))
        return None, errors


def parse_json_body(schema: type[BaseModel]):
    raw = request.get_data(cache=True)
    if not raw:
        payload: Any = {}
    else:
        try:
            payload = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            raise Malformed(gettext("The request body is not valid JSON (or is nested too deeply).")) from error
    if not isinstance(payload, dict):
        raise Malformed(gettext("The request body must be a JSON object."))
    try:
        return schema.model_validate(payload)
    except ValidationError as error:
        raise Invalid(gettext("Some fields are invalid."), details=field_messages(error.errors(), schema)) from error
