"""Fetching one import batch for a user: 404 when missing and when outside scope alike."""

from django.db.models import Q
from django.http import Http404

from .models import ImportBatch

MAX_PK = 2**63 - 1


def get_batch_for_user(user, pk: int) -> ImportBatch:
    """The batch `pk` if `user` may import at its unit, or made it; else Http404."""
    if not 0 < pk <= MAX_PK:
        raise Http404("batch id out of range")
    in_scope = ImportBatch.objects.restrict(user, "import").values("pk")
    batch = (
        ImportBatch.objects.filter(Q(pk__in=in_scope) | Q(actor=user))
        .select_related("unit")
        .filter(pk=pk)
        .first()
    )
    if batch is None:
        raise Http404("import batch not found")
    return batch
