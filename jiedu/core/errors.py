"""Error pages: plain language, the request id, never a stack trace."""

from django.shortcuts import render

from . import context


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        from django.http import JsonResponse
        from django.utils.translation import gettext_lazy as _

        from .api import error_body

        return JsonResponse(
            error_body("not_found", _("找不到该对象，或不在您的管辖范围内。")), status=404
        )
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def server_error(request):
    return render(
        request, "errors/500.html", {"request_id": context.current_request_id()}, status=500
    )
