from jiedu.core.permissions import grants_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    grants = grants_for(user)
    return {
        "nav": {
            "people": grants.has_anywhere("people.view_person"),
            "orgs": grants.has_anywhere("orgs.view_orgunit"),
            "users": grants.has_anywhere("accounts.manage_user"),
            "audit": grants.has_anywhere("core.view_audit"),
            "worklist": grants.has_anywhere("measures.view_measure"),
            "facilities": grants.has_anywhere("facilities.view_admission"),
            "rules": grants.has_anywhere("core.manage_rules"),
            "proposals": grants.has_anywhere("evaluations.decide_proposal"),
            "community": grants.has_anywhere("community.view_case"),
            "community_work": grants.has_anywhere("community.manage_case"),
            "referrals": grants.has_anywhere("community.decide_referral"),
            "measures": grants.has_anywhere("measures.view_measure"),
            "aftercare": grants.has_anywhere("aftercare.view_followup"),
            "analytics": grants.has_anywhere("analytics.view_indicator"),
            "imports": grants.has_anywhere("imports.import_record"),
        }
    }
