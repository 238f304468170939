"""Form widgets shared by every app."""

from django import forms


class DateInput(forms.DateInput):
    """A native date picker. Its value must be ISO (yyyy-mm-dd) whatever the UI language: the
    Chinese input format (yyyy/mm/dd) would leave the picker empty and block the form."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or "%Y-%m-%d")
