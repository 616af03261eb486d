"""What API answers look like, for exact assertions shared by the API tests."""

from typing import Any


def validation_error(fields: dict[str, list[str]]) -> dict[str, Any]:
    """The body of a 400 from input validation, with every failing field and its messages."""
    message = "; ".join(f"{field}: {text}" for field, texts in fields.items() for text in texts)
    return {"error": {"code": "VALIDATION_ERROR", "message": message, "details": {"fields": fields}}}


def domain_error(code: str, message: str, *, field: str | None = None) -> dict[str, Any]:
    """The body of a coded domain error; with ``field``, the message is prefixed with the field's name."""
    if field is None:
        return {"error": {"code": code, "message": message, "details": {}}}
    return {"error": {"code": code, "message": f"{field}: {message}", "details": {"field": field}}}


def wire(model: Any) -> dict[str, Any]:
    """The object as the server sent it, without its timestamps (asserted separately, as datetimes)."""
    body = model.to_dict(warnings=False)
    del body["createdAt"], body["updatedAt"]
    return body
