"""The community API: drug tests and absences (mounted at /api/v1/drug-tests and
/api/v1/absences by config/api.py)."""

from .absences import router as absences_router
from .drug_tests import router as drug_tests_router

__all__ = ["absences_router", "drug_tests_router"]
