"""The JSON API at /api/v1/: mounts each app's router."""

from ninja import NinjaAPI

from jiedu.centres.api import router as centres_router
from jiedu.checkins.api import router as checkins_router
from jiedu.community.api import absences_router, drug_tests_router
from jiedu.core.api import TokenAuth, install_error_handlers
from jiedu.evaluations.api import router as evaluations_router
from jiedu.measures.api import router as measures_router
from jiedu.orgs.api import router as orgs_router
from jiedu.people.api import router as people_router

api = NinjaAPI(
    title="Jiedu API",
    version="1",
    description="戒毒康复一体化管理平台 JSON API. "
    "Authenticate with `Authorization: Bearer <token>`; "
    "every call sees only the units and persons the token's user may see, and is audited.",
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("/org-units", orgs_router)
api.add_router("/persons", people_router)
api.add_router("/measures", measures_router)
api.add_router("/centres", centres_router)
api.add_router("/evaluations", evaluations_router)
api.add_router("/drug-tests", drug_tests_router)
api.add_router("/absences", absences_router)
api.add_router("/checkins", checkins_router)
