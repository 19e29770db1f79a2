"""Every 4xx of the API has one shape: ``{"detail": [{"field", "code", "message"}]}``,
the field named by its dotted path and the reason in French.

FastAPI answers request-shape errors (a missing field, a string for a number) itself, in
English and in another shape; :class:`ApiRoute` catches them, with the domain's errors,
and answers in ours. Nothing is written by then: the write's transaction is rolled back
by the exception on its way here.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from chantiers_common.http_problems import ErrorOut

from ..errors import Conflict, NotFound
from ..validation import FieldError, ValidationFailed

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (401, "Jeton absent ou invalide (en-tête « Authorization: Bearer … »)"),
        (403, "Le jeton ne donne pas accès à cette structure"),
        (404, "Structure, activité ou contact introuvable"),
        (409, "Contraire à l'état actuel (déjà existant, désinscrit…)"),
        (422, "Un champ est faux : lequel, et pourquoi"),
    )
}


class ApiRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await handle(request)
            except RequestValidationError as exc:
                return _json(422, [_from_pydantic(e) for e in exc.errors()])
            except ValidationFailed as exc:
                return JSONResponse(exc.to_dict(), status_code=422)
            except FieldError as exc:
                return _json(422, [exc.to_dict()])
            except NotFound as exc:
                return _json(404, [{"field": exc.what, "code": f"{exc.what}.not_found",
                                    "message": exc.message}])
            except Conflict as exc:
                return JSONResponse(exc.to_dict(), status_code=409)

        return handler


def _json(status: int, items: list[dict[str, str]]) -> JSONResponse:
    return JSONResponse({"detail": items}, status_code=status)


def _field(loc: Sequence[Any]) -> str:
    # ("body", "area", "radius_km") → "area.radius_km"; ("query", "limit") → "limit";
    # list indexes as in the domain's messages: "sectors[1]".
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else list(loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda c: "champ obligatoire",
    "extra_forbidden": lambda c: "champ inconnu (ou non modifiable par cette requête)",
    "greater_than": lambda c: f"doit être strictement supérieur à {c['gt']}",
    "greater_than_equal": lambda c: f"doit être supérieur ou égal à {c['ge']}",
    "less_than": lambda c: f"doit être strictement inférieur à {c['lt']}",
    "less_than_equal": lambda c: f"doit être inférieur ou égal à {c['le']}",
    "string_too_short": lambda c: f"au moins {c['min_length']} caractère(s) attendu(s)",
    "string_too_long": lambda c: f"au plus {c['max_length']} caractères",
    "string_type": lambda c: "texte attendu",
    "int_parsing": lambda c: "nombre entier attendu",
    "int_type": lambda c: "nombre entier attendu",
    "int_from_float": lambda c: "nombre entier attendu",
    "float_parsing": lambda c: "nombre attendu",
    "float_type": lambda c: "nombre attendu",
    "finite_number": lambda c: "nombre fini attendu",
    "bool_parsing": lambda c: "booléen attendu (true ou false)",
    "bool_type": lambda c: "booléen attendu (true ou false)",
    "list_type": lambda c: "liste attendue",
    "model_attributes_type": lambda c: "objet attendu",
    "dict_type": lambda c: "objet attendu",
    "model_type": lambda c: "objet attendu",
    "enum": lambda c: f"valeur attendue parmi : {c['expected']}",
    "literal_error": lambda c: f"valeur attendue parmi : {c['expected']}",
    "datetime_parsing": lambda c: "date et heure ISO 8601 attendues (2026-03-01T09:00:00+01:00)",
    "datetime_from_date_parsing": lambda c: "date et heure ISO 8601 attendues",
    "datetime_type": lambda c: "date et heure ISO 8601 attendues",
    "json_invalid": lambda c: "corps de requête JSON illisible",
    # Our own validators' messages are French already (without pydantic's prefix).
    "value_error": lambda c: str(c["error"]),
}


def _from_pydantic(error: dict[str, Any]) -> dict[str, str]:
    kind = str(error.get("type", "invalid"))
    translate = _MESSAGES.get(kind)
    try:
        message = translate(error.get("ctx") or {}) if translate else str(error.get("msg"))
    except KeyError:
        message = str(error.get("msg"))
    return {"field": _field(error.get("loc", ())), "code": f"request.{kind}",
            "message": message}
