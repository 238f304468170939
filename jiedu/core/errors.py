"""Error pages: plain language, the request id, never a stack trace."""

from django.shortcuts import render

from . import context


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def server_error(request):
    return render(
        request, "errors/500.html", {"request_id": context.current_request_id()}, status=500
    )
