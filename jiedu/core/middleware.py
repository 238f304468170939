"""Request id and audit actor for every request."""

import logging
import re
import uuid

from . import context

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give each request an id (or keep a sane incoming X-Request-ID), echoed in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        with context.in_request(request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class AuditActorMiddleware:
    """Attribute writes made while serving the request to the logged-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if request.user.is_authenticated else None
        with context.acting_as(user):
            return self.get_response(request)


class RequestIdLogFilter(logging.Filter):
    def filter(self, record):
        record.request_id = context.current_request_id() or "-"
        return True
