"""Form handling for the sign-in pages: the API's schemas, read from a posted form."""
from flask import request
from pydantic import BaseModel, ValidationError


def read_form(schema: type[BaseModel], fields: tuple[str, ...]):
    """Validate the named form fields with ``schema``.

    Returns ``(data, errors)``: the parsed model and ``{}``, or ``None`` and messages
    keyed by field name for the template to show beside each input.
    """
    values = {name: request.form.get(name, "") for name in fields}
    try:
        return schema.model_validate(values), {}
    except ValidationError as error:
        errors: dict[str, str] = {}
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else "form"
            message = item["msg"].removeprefix("Value error, ")
            errors.setdefault(name, message[0].upper() + message[1:])
        return None, errors
