"""The centres' API (/api/v1/centres/): read endpoints for each centre's records, and create
endpoints for drug-test results and instrument responses so devices and other systems can send
data."""

from ninja import Router

from . import education, medical, points, psychology, training

router = Router(tags=["centres"])
for module in (medical, education, psychology, training, points):
    router.add_router("", module.router)
