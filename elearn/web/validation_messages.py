"""What a person reads when an input does not validate: one sentence per pydantic error type,
worded with the field's label ("Enter a title of at most 200 characters.").

Forms show the sentence beside the field and the JSON API returns it in ``details``, so
both surfaces say the same thing. A field's label comes from its name ("currentPassword"
is "current password"), unless ``LABELS`` words it better; a validator that raises
``ValueError`` with a sentence of its own is shown as written.
"""
from typing import Any, Literal, get_args, get_origin

from babel.numbers import format_decimal
from flask_babel import get_locale, gettext, lazy_gettext
from pydantic import BaseModel
from pydantic.alias_generators import to_snake
from pydantic_core import ErrorDetails

#: Labels of the fields people fill in, with the word that introduces them (the sentences
#: are translated, so their labels are too); other fields are named after themselves.
LABELS = {
    "current_password": lazy_gettext("your current password"),
    "new_password": lazy_gettext("a new password"),
    "password": lazy_gettext("a password"),
    "email": lazy_gettext("an email address"),
    "name": lazy_gettext("a name"),
    "title": lazy_gettext("a title"),
    "description": lazy_gettext("a description"),
    "subject": lazy_gettext("a subject"),
    "body": lazy_gettext("a message"),
    "role": lazy_gettext("a role"),
    "status": lazy_gettext("a status"),
    "active": lazy_gettext("active"),
    "published": lazy_gettext("published"),
    "completed": lazy_gettext("completed"),
    "category_id": lazy_gettext("a category ID"),
    "difficulty_id": lazy_gettext("a difficulty ID"),
    "thumbnail_url": lazy_gettext("a thumbnail URL"),
    "url": lazy_gettext("a URL"),
    "q": lazy_gettext("a search"),
    "tz": lazy_gettext("a time zone"),
    "timezone": lazy_gettext("a time zone"),
    "per_page": lazy_gettext("a page size"),
    "page": lazy_gettext("a page number"),
    "price_cents": lazy_gettext("a price in cents"),
    "order": lazy_gettext("a position"),
    "type": lazy_gettext("a content type"),
    "sort": lazy_gettext("a sort order"),
    "since": lazy_gettext("a start time"),
    "until": lazy_gettext("an end time"),
    "days": lazy_gettext("a number of days"),
    "weeks": lazy_gettext("a number of weeks"),
    "min_enrollments": lazy_gettext("a minimum number of enrollments"),
    "items": lazy_gettext("the items"),
    "ids": lazy_gettext("the IDs"),
    "course_id": lazy_gettext("a course ID"),
    "module_id": lazy_gettext("a module ID"),
    "enrollment_id": lazy_gettext("an enrollment ID"),
    "user_id": lazy_gettext("a user ID"),
}

#: Words written another way inside a label.
_WORDS = {"id": "ID", "ids": "IDs", "url": "URL"}
#: The words that introduce a label, in each language shipped ("a title", "un título").
_DETERMINERS = ("a ", "an ", "the ", "your ", "un ", "una ", "unos ", "unas ", "el ", "la ", "los ", "las ", "tu ")

#: The sentence for each error type. Placeholders: {label} ("title"), {Label} ("Title"),
#: {a_label} ("a title") and the error's context (``max_length``, ``ge``, ``expected`` ...).
#: Types of our own: ``blank`` (an empty required text), ``null`` (``null`` where a value
#: is needed), ``choose`` and ``yes_no`` (a missing choice or true/false), ``email``.
_WHOLE_NUMBER = lazy_gettext("Enter {a_label} as a whole number.")
_NUMBER = lazy_gettext("Enter {a_label} as a number.")
_YES_NO = lazy_gettext("Enter true or false for {label}.")
_JSON = lazy_gettext("Send valid JSON.")
_OBJECT = lazy_gettext("Send a JSON object here.")
_URL = lazy_gettext("Enter {a_label} starting with https://, http:// or /.")
_TOO_LONG = lazy_gettext("Enter {a_label} of at most {max_length} characters.")
_CHOOSE_FROM = lazy_gettext("Choose {a_label}: {expected}.")
_DATE_TIME = lazy_gettext("Enter {a_label} as a date and time, like 2026-01-31T09:00:00+00:00.")
_DATE = lazy_gettext("Enter {a_label} as a date, like 2026-01-31.")
MESSAGES = {
    "missing": lazy_gettext("Enter {a_label}."),
    "blank": lazy_gettext("Enter {a_label}."),
    "choose": lazy_gettext("Choose {a_label}."),
    "yes_no": _YES_NO,
    "null": lazy_gettext("{Label} cannot be null; leave it out to keep it as it is."),
    "extra_forbidden": lazy_gettext("Remove this field; it is not one this form or request takes."),
    "json_invalid": _JSON,
    "json_type": _JSON,
    "string_type": lazy_gettext("Enter {a_label} as text."),
    "string_too_short": lazy_gettext("Use at least {min_length} characters."),
    "string_too_long": _TOO_LONG,
    "string_pattern_mismatch": lazy_gettext("Enter {a_label} in the expected format."),
    "nul_character": lazy_gettext("{Label} must not contain NUL characters."),
    "email": lazy_gettext("Enter a valid email address, like name@example.com."),
    "time_zone": lazy_gettext("Choose a time zone from the list, like Europe/Berlin."),
    "int_type": _WHOLE_NUMBER,
    "int_parsing": _WHOLE_NUMBER,
    "int_parsing_size": _WHOLE_NUMBER,
    "int_from_float": _WHOLE_NUMBER,
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "greater_than_equal": lazy_gettext("{Label} must be {ge} or more."),
    "greater_than": lazy_gettext("{Label} must be more than {gt}."),
    "less_than_equal": lazy_gettext("{Label} must be {le} or less."),
    "less_than": lazy_gettext("{Label} must be less than {lt}."),
    "bool_type": _YES_NO,
    "bool_parsing": _YES_NO,
    "literal_error": _CHOOSE_FROM,
    "enum": _CHOOSE_FROM,
    "list_type": lazy_gettext("Send {a_label} as a list."),
    "too_short": lazy_gettext("Send at least {min_length} of {a_label}."),
    "too_long": lazy_gettext("Send at most {max_length} of {a_label}."),
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "dict_type": _OBJECT,
    "url_type": _URL,
    "url_parsing": _URL,
    "url_scheme": _URL,
    "url_too_long": _TOO_LONG,
    "datetime_type": _DATE_TIME,
    "datetime_parsing": _DATE_TIME,
    "datetime_from_date_parsing": _DATE_TIME,
    "timezone_aware": lazy_gettext("Give {a_label} with a UTC offset, like 2026-01-31T09:00:00+00:00."),
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
}
#: Any other error type.
FALLBACK = lazy_gettext("Enter a valid {label}.")


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
    phrase = str(LABELS[to_snake(name)]) if name and to_snake(name) in LABELS else None
    if phrase is None:
        words = " ".join(_WORDS.get(word, word) for word in to_snake(name or "value").split("_"))
        phrase = ("an " if words[:1] in ("a", "e", "i", "o") else "a ") + words
    label = phrase.split(" ", 1)[1] if phrase.startswith(_DETERMINERS) else phrase
    ctx = {key: _readable(value) for key, value in (item.get("ctx") or {}).items()}
    if kind == "value_error":
        return _as_sentence(str(ctx.get("error") or item["msg"]))
    template = str(MESSAGES.get(kind, FALLBACK))
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
    """Numbers with the reader's thousands separators, and choices without Python's quotes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return format_decimal(value, locale=get_locale() or "en")
    if isinstance(value, str):
        return value.replace("'", "")
    return value


def _as_sentence(text: str) -> str:
    """A validator's own message as a sentence: capital first, full stop last."""
    text = text.strip() or gettext("This value is not valid")
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "?", "!")) else ".")


class _Blank(dict):
    """Context a template names but the error did not give reads as nothing, not a crash."""

    def __missing__(self, key):
        return ""
