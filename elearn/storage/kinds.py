"""The files elearn takes, by kind: the extension each media type is stored under."""

TYPES = {
    "video": {"video/mp4": "mp4", "video/webm": "webm"},
    "audio": {"audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/ogg": "ogg", "audio/x-wav": "wav", "audio/wav": "wav"},
    "pdf": {"application/pdf": "pdf"},
    "image": {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"},
}

#: The media type a stored file is served as, by its key's extension.
MEDIA_TYPES = {extension: media_type for types in TYPES.values() for media_type, extension in types.items()}


def kind_of_extension(extension: str) -> str | None:
    return next((kind for kind, types in TYPES.items() if extension in types.values()), None)
