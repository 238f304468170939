"""Fetching one measure for a user: 404 when missing and when outside scope alike."""

from django.http import Http404

from .models import Measure

# The largest primary key a database row can hold (a signed 64-bit integer); a larger id in a URL
# cannot name a measure, and SQLite would refuse to bind it.
MAX_PK = 2**63 - 1


def get_measure_for_user(user, pk, action: str = "view") -> Measure:
    """The measure `pk`, if `user` may `action` it (`view`, `execute`); else Http404.

    Scope is `Measure.objects.restrict`: the executing unit, the deciding organ and the person's
    managing unit (`models.MEASURE_SCOPE`).
    """
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise Http404("measure id is not a number")
    if not 0 < pk <= MAX_PK:
        raise Http404("measure id out of range")
    measure = (
        Measure.objects.restrict(user, action)
        .select_related("person", "person__managing_unit", "executing_unit", "deciding_organ")
        .filter(pk=pk)
        .first()
    )
    if measure is None:
        raise Http404("measure not found")
    return measure
