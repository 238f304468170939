"""Model fields that keep personal data encrypted at rest."""

from django.db import models

from . import crypto


class EncryptedCharField(models.TextField):
    """A string stored as Fernet ciphertext; Python sees the plain value.

    It cannot be filtered on (ciphertext is randomised): pair it with a blind-index field.
    The change log records only that it changed, never its value (see core.audit).
    """

    audit_redacted = True

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name not in {"isnull"}:
            raise TypeError(f"EncryptedCharField cannot be queried with '{lookup_name}'")
        return super().get_lookup(lookup_name)
