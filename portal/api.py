"""What every endpoint of the REST API shares: the one error shape, pagination, throttling.

Errors, whatever raised them (a service's ``ApplicationError``, a serializer, DRF's checks of
authentication, permissions, throttling, or a 404), reach the client as::

    {"error": {"code": "...", "message": "...", "fields": {"name": ["message", ...]}}}

``fields`` names a request field, or a question code for an answer, and may be empty. Some
errors add keys of their own next to these (a draft conflict adds ``conflicts``, ``answers``
and ``revision``).

This module is imported while DRF itself loads (the settings name its throttle and
pagination classes), so it imports nothing that imports ``rest_framework.views``.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from portal.errors import ApplicationError
from portal.request import client_ip

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


class SecondFactorVerified(IsAuthenticated):
    """The API's default permission: signed in, and for a person whose role requires the
    second factor, a session that passed it or a token made from such a session (a token's
    mark, see portal.services.api_token_create). A password alone reaches nothing."""

    message = gettext_lazy(
        "Your role requires two-factor authentication: sign in with your second factor, or use "
        "a token created after doing so."
    )
    code = "second_factor_required"

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        from portal.security import second_factor_required
        from portal.services import api_token_verified

        if not second_factor_required(request.user):
            return True
        if isinstance(request.successful_authenticator, SessionAuthentication):
            return request.user.is_verified()
        return api_token_verified(request.auth)


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = gettext_lazy("Send the If-Match header with the ETag you last read.")
    default_code = "precondition_required"


def error_body(*, code: str, message, fields: dict | None = None, **extra) -> dict:
    return {
        "error": {
            "code": code,
            "message": str(message),
            "fields": {str(key): _messages(value) for key, value in (fields or {}).items()},
            **extra,
        }
    }


def _messages(value) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation errors as {"dotted.path": [messages]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            flat.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or NON_FIELD: _messages(detail)}


def exception_handler(exc, context) -> Response | None:
    """The API's one mapping of errors to responses (REST_FRAMEWORK["EXCEPTION_HANDLER"])."""
    if isinstance(exc, ApplicationError):
        reserved = {"errors", "code", "message", "fields"}
        extra = {key: value for key, value in exc.extra.items() if key not in reserved}
        body = error_body(code=exc.code, message=exc.message, fields=exc.extra.get("errors"), **extra)
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's 500 handling and error reporting take over
    # Imported here: this module loads while rest_framework.views is being imported.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)  # keeps WWW-Authenticate, Retry-After
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        only_general = set(fields) == {NON_FIELD}
        message = fields[NON_FIELD][0] if only_general else _("Some fields are not valid.")
        response.data = error_body(code="invalid", message=message, fields={} if only_general else fields)
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        response.data = error_body(code=code, message=exc.detail)
    return response


def storable_text(value) -> None:
    """A validator for JSON input: refuses NUL characters and lone surrogates in any key or
    string, which neither PostgreSQL's jsonb nor UTF-8 can hold (Django's and DRF's text
    fields refuse them the same way)."""
    if isinstance(value, dict):
        for key, item in value.items():
            storable_text(key)
            storable_text(item)
    elif isinstance(value, list):
        for item in value:
            storable_text(item)
    elif isinstance(value, str):
        if "\x00" in value:
            raise exceptions.ValidationError(_("Null characters are not allowed."), code="null_characters")
        if any(0xD800 <= ord(char) <= 0xDFFF for char in value):
            raise exceptions.ValidationError(_("Surrogate characters are not allowed."), code="surrogates")


# An input serializer that refuses fields it does not declare, so a field a person may not
# set (respondent, status, version number, author) is never silently ignored. (A comment, not
# a docstring: the schema would show it on every input.)
class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise exceptions.ValidationError({key: [_("Unknown field.")] for key in unknown})
        return super().to_internal_value(data)


def not_found(request, *args, **kwargs) -> JsonResponse:
    """An address under /api/v1/ that names no resource: the same error shape as the rest."""
    return JsonResponse(error_body(code="not_found", message=exceptions.NotFound.default_detail), status=404)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=gettext_lazy("Stable, machine-readable reason."))
    message = serializers.CharField(help_text=gettext_lazy("Explanation for a person, translated."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=gettext_lazy("Messages per request field, or per question code for answers."),
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (documentation only)."""

    error = ErrorDetailSerializer()


ERROR_DESCRIPTIONS = {
    400: gettext_lazy("The request is not valid; see error.fields."),
    401: gettext_lazy("Not authenticated: send Authorization: Token <key>."),
    403: gettext_lazy("Authenticated, but not allowed to do this."),
    404: gettext_lazy("Not found, or not visible to you."),
    409: gettext_lazy("The action conflicts with the current state."),
    428: gettext_lazy("The If-Match header is missing."),
    429: gettext_lazy("Too many requests; retry after the Retry-After header's seconds."),
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the error responses of an operation: 401, 403 and 429 always."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=str(ERROR_DESCRIPTIONS[code]))
        for code in sorted({401, 403, 429, *codes})
    }


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class _RateFromSettings:
    """DRF's throttles read their rates once, at import; these read them at each request, so
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (and a test's override of it) is the truth."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        # The client's address behind the proxies, as everywhere else (not DRF's NUM_PROXIES).
        return client_ip(request) or super().get_ident(request)


class AnonThrottle(_RateFromSettings, AnonRateThrottle):
    pass


class UserThrottle(_RateFromSettings, UserRateThrottle):
    pass
