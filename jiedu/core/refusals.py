"""Refusals: a legal rule or the status machine says no.

A `Refusal` is a `ValidationError` with a machine code that names the rule (`illegal_transition`,
`isolation_excluded`, …) and a message that says why and what to do instead. Forms show it at the
field it concerns (or above the form); the API answers HTTP 422 with the refusal's code.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class Refusal(ValidationError):
    def __init__(self, message, *, code: str, params: dict | None = None, field: str | None = None):
        inner = ValidationError(message, code=code, params=params)
        if field:
            super().__init__({field: inner})
        else:
            super().__init__(inner)
        self.refusal_code = code
        self.refusal_message = message
        self.refusal_params = params
        self.refusal_field = field
