"""POST /api/v1/drug-tests: a community drug test from a device or another system."""

from ninja import Router

router = Router(tags=["community"])
