"""Signals other apps listen to, so that `measures` never writes their tables."""

from django.dispatch import Signal

# Sent inside the transaction after a measure is terminated (death, revocation, …), with
# `measure` and `on`: the facility closes the person's stay.
measure_terminated = Signal()
