"""Keeps the indicator facts current: receivers of the signals services send (filled in next)."""
