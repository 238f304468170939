"""The JSON API's shared parts: bearer-token auth, error bodies, pagination arguments.

Every error is JSON `{"code", "message", "message_en", "errors"?}` — the message in Chinese and
English — and never a stack trace; unexpected errors are logged with the request id.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from jiedu.core import context

logger = logging.getLogger("jiedu.api")

# Text fields of the API: no control characters (tab and newline included) — names, codes and
# addresses are one line, and PostgreSQL cannot store NUL. Lone surrogates fail pydantic's
# string check already.
SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"


class ErrorItem(Schema):
    field: str = Field(description="The request field the error belongs to; `__all__` for none")
    code: str
    message: str
    message_en: str | None = None


class ErrorOut(Schema):
    code: str = Field(description="Machine-readable, e.g. `validation_error`, `not_found`")
    message: str = Field(description="In Chinese")
    message_en: str = Field(description="In English")
    errors: list[ErrorItem] | None = None


# Answers every operation can give: a missing/invalid token, and request data that does not fit.
UNAUTHENTICATED = {401: ErrorOut}
INVALID = {422: ErrorOut}
MALFORMED_BODY = {400: ErrorOut}  # for operations that read a JSON body


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; the token acts as its user, with that user's scope."""

    def authenticate(self, request, token):
        from jiedu.accounts.services import authenticate_token

        user = authenticate_token(token)
        if user is None:
            return None
        request.user = user
        context.set_actor(user)
        return user


def bilingual(message, params: dict | None = None) -> dict:
    """`message` in Chinese and in English. Give a lazy message and its `%` params apart:
    formatting a lazy string first would fix it in the request's language."""

    def render(language: str) -> str:
        with translation.override(language):
            text = str(message)
            return text % params if params else text

    return {"message": render("zh-hans"), "message_en": render("en")}


def error_body(code: str, message, errors: list | None = None, params: dict | None = None) -> dict:
    body = {"code": code, **bilingual(message, params)}
    if errors is not None:
        body["errors"] = errors
    return body


def _loc_to_field(loc) -> str:
    skip = ("body", "query", "path", "header", "payload", "form", "file")
    parts = [str(p) for p in loc if p not in skip]
    return ".".join(parts) or "__all__"


def install_error_handlers(api: NinjaAPI) -> None:
    from django.utils.translation import gettext_lazy as _

    @api.exception_handler(NinjaValidationError)
    def on_schema_error(request, exc):
        errors = [
            {
                "field": _loc_to_field(e.get("loc", ())),
                "code": e.get("type", "invalid"),
                "message": e.get("msg", ""),
                "message_en": e.get("msg", ""),  # pydantic's messages are English
            }
            for e in exc.errors
        ]
        return api.create_response(
            request,
            error_body("validation_error", _("提交的数据格式不正确，请检查标出的字段。"), errors),
            status=422,
        )

    @api.exception_handler(DjangoValidationError)
    def on_validation_error(request, exc):
        errors = []
        if hasattr(exc, "error_dict"):
            for field, errs in exc.error_dict.items():
                for e in errs:
                    errors.append(
                        {
                            "field": field,
                            "code": e.code or "invalid",
                            **bilingual(e.message, e.params),
                        }
                    )
        else:
            for e in exc.error_list:
                errors.append(
                    {
                        "field": "__all__",
                        "code": e.code or "invalid",
                        **bilingual(e.message, e.params),
                    }
                )
        first = errors[0] if errors else {"message": str(exc)}
        return api.create_response(
            request,
            {
                # A refusal names the rule that refused (illegal_transition, isolation_excluded…).
                "code": getattr(exc, "refusal_code", "validation_error"),
                "message": first["message"],
                "message_en": first.get("message_en", first["message"]),
                "errors": errors,
            },
            status=422,
        )

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        return api.create_response(
            request, error_body("not_found", _("找不到该对象，或不在您的管辖范围内。")), status=404
        )

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request, exc):
        message = exc.args[0] if exc.args else _("您无权执行该操作。")
        return api.create_response(request, error_body("forbidden", message), status=403)

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc):
        return api.create_response(
            request,
            error_body("unauthenticated", _("需要有效的API令牌：Authorization: Bearer <令牌>。")),
            status=401,
        )

    @api.exception_handler(HttpError)
    def on_http_error(request, exc):
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            body = error_body("malformed_body", _("请求正文不是有效的JSON。"))
        else:
            body = error_body("http_error", str(exc))
        return api.create_response(request, body, status=exc.status_code)

    @api.exception_handler(Exception)
    def on_unexpected(request, exc):
        logger.exception("Unhandled API error")
        return api.create_response(
            request,
            error_body(
                "internal_error",
                _("服务器内部错误，已记录。请把请求编号告诉管理员：%(id)s"),
                params={"id": context.current_request_id()},
            ),
            status=500,
        )
