"""What a person reads when an input does not validate: one sentence per pydantic error type,
worded with the field's label ("Enter a title of at most 200 characters.").

Forms show the sentence beside the field and the JSON API returns it in ``details``, so
both surfaces say the same thing. A field's label comes from its name ("currentPassword"
is "current password"), unless ``LABELS`` words it better; a validator that raises
``ValueError`` with a sentence of its own is shown as written.
"""
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.alias_generators import to_snake
from pydantic_core import ErrorDetails

#: Labels that the field name does not give, with the word that introduces them.
LABELS = {
    "current_password": "your current password",
    "new_password": "a new password",
    "email": "an email address",
    "body": "a message",
    "q": "a search",
    "tz": "a time zone",
    "timezone": "a time zone",
    "per_page": "a page size",
    "page": "a page number",
    "price_cents": "a price in cents",
    "order": "a position",
    "type": "a content type",
    "sort": "a sort order",
    "since": "a start time",
    "days": "a number of days",
    "weeks": "a number of weeks",
    "min_enrollments": "a minimum number of enrollments",
    "items": "the items",
    "ids": "the IDs",
}

#: Words written another way inside a label.
_WORDS = {"id": "ID", "ids": "IDs", "url": "URL"}
_DETERMINERS = ("a ", "an ", "the ", "your ")
_DATE_TIME = "like 2026-01-31T09:00:00+00:00"
_WHOLE_NUMBER = "Enter {a_label} as a whole number."

#: The sentence for each error type. Placeholders: {label} ("title"), {Label} ("Title"),
#: {a_label} ("a title") and the error's context (``max_length``, ``ge``, ``expected`` ...).
#: Types of our own: ``blank`` (an empty required text), ``null`` (``null`` where a value
#: is needed), ``choose`` and ``yes_no`` (a missing choice or true/false), ``email``.
MESSAGES = {
    "missing": "Enter {a_label}.",
    "blank": "Enter {a_label}.",
    "choose": "Choose {a_label}.",
    "yes_no": "Enter true or false for {label}.",
    "null": "{Label} cannot be null; leave it out to keep it as it is.",
    "extra_forbidden": "Remove this field; it is not one this form or request takes.",
    "json_invalid": "Send valid JSON.",
    "json_type": "Send valid JSON.",
    "string_type": "Enter {a_label} as text.",
    "string_too_short": "Use at least {min_length} characters.",
    "string_too_long": "Enter {a_label} of at most {max_length} characters.",
    "string_pattern_mismatch": "Enter {a_label} in the expected format.",
    "nul_character": "{Label} must not contain NUL characters.",
    "email": "Enter a valid email address, like name@example.com.",
    "time_zone": "Choose a time zone from the list, like Europe/Berlin.",
    "int_type": _WHOLE_NUMBER,
    "int_parsing": _WHOLE_NUMBER,
    "int_parsing_size": _WHOLE_NUMBER,
    "int_from_float": _WHOLE_NUMBER,
    "float_type": "Enter {a_label} as a number.",
    "float_parsing": "Enter {a_label} as a number.",
    "greater_than_equal": "{Label} must be {ge} or more.",
    "greater_than": "{Label} must be more than {gt}.",
    "less_than_equal": "{Label} must be {le} or less.",
    "less_than": "{Label} must be less than {lt}.",
    "bool_type": "Enter true or false for {label}.",
    "bool_parsing": "Enter true or false for {label}.",
    "literal_error": "Choose {a_label}: {expected}.",
    "enum": "Choose {a_label}: {expected}.",
    "list_type": "Send {a_label} as a list.",
    "too_short": "Send at least {min_length} of {a_label}.",
    "too_long": "Send at most {max_length} of {a_label}.",
    "model_type": "Send a JSON object here.",
    "model_attributes_type": "Send a JSON object here.",
    "dict_type": "Send a JSON object here.",
    "url_type": "Enter {a_label} starting with https://, http:// or /.",
    "url_parsing": "Enter {a_label} starting with https://, http:// or /.",
    "url_scheme": "Enter {a_label} starting with https://, http:// or /.",
    "url_too_long": "Enter {a_label} of at most {max_length} characters.",
    "datetime_type": f"Enter {{a_label}} as a date and time, {_DATE_TIME}.",
    "datetime_parsing": f"Enter {{a_label}} as a date and time, {_DATE_TIME}.",
    "datetime_from_date_parsing": f"Enter {{a_label}} as a date and time, {_DATE_TIME}.",
    "timezone_aware": f"Give {{a_label}} with a UTC offset, {_DATE_TIME}.",
    "date_type": "Enter {a_label} as a date, like 2026-01-31.",
    "date_parsing": "Enter {a_label} as a date, like 2026-01-31.",
    "date_from_datetime_parsing": "Enter {a_label} as a date, like 2026-01-31.",
}
#: Any other error type.
FALLBACK = "Enter a valid {label}."


def field_messages(error_list: list[ErrorDetails], schema: type[BaseModel]) -> dict[str, str]:
    """The sentence for each invalid field, keyed by its path as sent (``items.0.moduleId``;
    ``body`` for the whole input), first error per field."""
    messages: dict[str, str] = {}
    for item in error_list:
        where = ".".join(str(part) for part in item["loc"]) or "body"
        messages.setdefault(where, sentence(item, schema))
    return messages


def sentence(item: ErrorDetails, schema: type[BaseModel]) -> str:
    """The plain sentence for one of pydantic's errors about an input to ``schema``."""
    name, annotation = _field(schema, item["loc"])
    kind = _kind(item, annotation)
    phrase = LABELS.get(to_snake(name)) if name else None
    if phrase is None:
        words = " ".join(_WORDS.get(word, word) for word in to_snake(name or "value").split("_"))
        phrase = ("an " if words[:1] in ("a", "e", "i", "o") else "a ") + words
    label = phrase.split(" ", 1)[1] if phrase.startswith(_DETERMINERS) else phrase
    ctx = {key: _readable(value) for key, value in (item.get("ctx") or {}).items()}
    if kind == "value_error":
        return _as_sentence(str(ctx.get("error") or item["msg"]))
    template = MESSAGES.get(kind, FALLBACK)
    return template.format_map(_Blank(ctx, label=label, Label=label[0].upper() + label[1:], a_label=phrase))


def _kind(item: ErrorDetails, annotation) -> str:
    """The error's type, or one of ours where the same type needs other words."""
    kind = item["type"]
    ctx = item.get("ctx") or {}
    if kind == "missing":
        options = _options(annotation)
        if bool in options:
            return "yes_no"
        return "choose" if options else "missing"
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "blank"
    if kind.endswith("_type") and item["input"] is None and item["loc"] and isinstance(item["loc"][-1], str):
        return "null"  # a field sent as null, not a null inside a list
    if kind == "value_error" and "reason" in ctx:  # email-validator's refusal
        return "blank" if item["input"] == "" else "email"
    return kind


def _field(schema: type[BaseModel], loc: tuple) -> tuple[str | None, Any]:
    """The name (as sent) and type of the field ``loc`` points into, through nested models
    and lists; an unknown key (an extra field) is its own name."""
    model, name, annotation = schema, None, None
    for part in loc:
        if not isinstance(part, str) or model is None:
            continue  # a list index, or a union member's tag below a field
        found = next((field for key, field in model.model_fields.items() if part in (key, field.alias)), None)
        name, annotation = part, found.annotation if found else None
        model = _model_in(annotation)
    return name, annotation


def _model_in(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next(filter(None, map(_model_in, get_args(annotation))), None)


def _options(annotation) -> set:
    """What a choice field accepts: its literals, or ``bool``; empty for free input."""
    if annotation is bool:
        return {bool}
    if get_origin(annotation) is Literal:
        return set(get_args(annotation))
    return set().union(*map(_options, get_args(annotation))) if get_args(annotation) else set()


def _readable(value):
    """Numbers with thousands separators, and choices without Python's quotes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, str):
        return value.replace("'", "")
    return value


def _as_sentence(text: str) -> str:
    """A validator's own message as a sentence: capital first, full stop last."""
    text = text.strip() or "This value is not valid"
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "?", "!")) else ".")


class _Blank(dict):
    """Context a template names but the error did not give reads as nothing, not a crash."""

    def __missing__(self, key):
        return ""
