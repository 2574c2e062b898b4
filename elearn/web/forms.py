"""HTML forms validated by the same pydantic schemas as the JSON API."""
from flask import request
from pydantic import BaseModel, ValidationError


def validate_form(schema: type[BaseModel], values: dict):
    """Validate ``values`` with ``schema``.

    Returns ``(data, errors)``: the parsed model and ``{}``, or ``None`` and messages
    keyed by field name (the schema's Python names) for the template to show beside
    each input.
    """
    try:
        return schema.model_validate(values), {}
    except ValidationError as error:
        errors: dict[str, str] = {}
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else "form"
            message = item["msg"].removeprefix("Value error, ")
            errors.setdefault(name, message[0].upper() + message[1:])
        return None, errors


def read_form(schema: type[BaseModel], fields: tuple[str, ...]):
    """Validate the named fields of the posted form (see ``validate_form``)."""
    return validate_form(schema, {name: request.form.get(name, "") for name in fields})
