"""POST /api/v1/absences: an absence from the county of execution."""

from ninja import Router

router = Router(tags=["community"])
