"""The one place where domain errors become HTTP: JSON with field-level messages in zh-CN and en for the API,
a page (or a redirect to the login page) for browsers."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

from smartcustoms.kernel.errors import DomainError, ValidationFailed
from smartcustoms.platform.http import LoginRequired, get_runtime, locale, render

log = logging.getLogger(__name__)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_body(request: Request, exc: DomainError) -> dict[str, Any]:
    tr = get_runtime(request).translator
    loc = locale(request)
    body: dict[str, Any] = {"code": exc.key, "message": tr.t(exc.key, loc, **exc.params),
                            "messages": tr.both(exc.key, **exc.params)}
    if isinstance(exc, ValidationFailed):
        body["errors"] = [{"field": e.field, "code": e.key, "message": tr.t(e.key, loc, **e.params),
                           "messages": tr.both(e.key, **e.params)} for e in exc.errors]
    return body


def _pydantic_to_domain(exc: RequestValidationError) -> ValidationFailed:
    from smartcustoms.kernel.errors import FieldError

    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
        kind = err.get("type", "")
        key = {"missing": "field.required", "string_too_long": "field.too_long", "greater_than": "field.not_positive",
               "decimal_parsing": "field.not_a_number", "float_parsing": "field.not_a_number",
               "int_parsing": "field.not_a_number"}.get(kind, "field.invalid")
        params = {"max": err.get("ctx", {}).get("max_length")} if kind == "string_too_long" else {}
        errors.append(FieldError(".".join(loc) or "body", key, params))
    return ValidationFailed(errors)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, LoginRequired) and not _is_api(request):
            target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            if request.headers.get("hx-request"):
                return Response(status_code=204, headers={"HX-Redirect": f"/login?next={target}"})
            return RedirectResponse(f"/login?next={target}", status_code=303)
        body = error_body(request, exc)
        if _is_api(request) or request.headers.get("hx-request"):
            return JSONResponse(body, status_code=exc.status)
        return render(request, "error.html", status_code=exc.status, error=body)

    @app.exception_handler(RequestValidationError)
    async def request_validation(request: Request, exc: RequestValidationError) -> Response:
        return await domain_error(request, _pydantic_to_domain(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        internal = DomainError("error.internal")
        internal.status = 500
        return await domain_error(request, internal)
