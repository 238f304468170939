"""POST /api/v1/checkins: a check-in from the portal."""

from ninja import Router

router = Router(tags=["checkins"])
