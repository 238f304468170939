"""Signals other apps listen to, so that `measures` never writes their tables."""

from django.dispatch import Signal

# Sent inside the transaction after a measure is terminated (death, revocation, …), with
# `measure` and `on`: the facility closes the person's stay.
measure_terminated = Signal()

# Sent inside the transaction after every step that changes a measure — decided, reported,
# refused, suspended, resumed, place_changed, released, terminated, converted, … — with
# `measure`, `action` (the event's last word) and `actor`: the township's community case
# follows its measure.
measure_changed = Signal()
