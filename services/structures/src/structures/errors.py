"""What a change can run into besides a wrong field (``validation.FieldError``): the
thing is not there, or the change contradicts the current state. The HTTP layer maps
them to 404 and 409; the messages are French, for the staff who read them."""

from __future__ import annotations


class NotFound(LookupError):
    def __init__(self, what: str, message: str) -> None:
        super().__init__(message)
        self.what = what  # "structure", "activity", "contact", "token"
        self.message = message


class Conflict(ValueError):
    """The request is well formed but the current state refuses it."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message

    def to_dict(self) -> dict[str, list[dict[str, str]]]:
        return {"detail": [{"field": self.field, "code": self.code, "message": self.message}]}
