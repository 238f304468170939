from .views import absences, cases, credit, drug_tests, referrals, schedule

app_name = "community"

urlpatterns = [
    *schedule.urlpatterns,
    *drug_tests.urlpatterns,
    *absences.urlpatterns,
    *referrals.urlpatterns,
    *credit.urlpatterns,
    # Last: the case list's `<code>/` would otherwise shadow one-segment paths of the others.
    *cases.urlpatterns,
]
