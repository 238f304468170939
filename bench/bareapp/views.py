import uuid

from django.http import JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import BarePing


@csrf_exempt
@require_POST
def bare_insert(request):
    """Parse the same multipart form the check-in API receives, insert one row, answer JSON."""
    ping = BarePing.objects.create(
        client_id=uuid.UUID(request.POST["client_id"]),
        taken_at=parse_datetime(request.POST["taken_at"]),
    )
    return JsonResponse({"id": ping.pk, "client_id": str(ping.client_id)}, status=201)
