"""Indicator facts: narrow tables the dashboards count from, kept current by `upkeep` when the
records change and rebuilt from the records by `services.rebuild_facts` (docs/decisions/0005).

They hold no names or identity numbers — only ids, unit paths and dates — and are read only through
`analytics.indicators`, which scopes every count by unit path. The persons behind a figure are read
through `people.Person.objects.restrict()` like every other list.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonFact(models.Model):
    """One row per person file (merged files excluded): registration, the dynamic-control clock
    (aftercare.control) and the reasons a person stops counting as an existing drug user."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # The managing unit's path (户籍地为主、居住地为辅): where the person is counted.
    unit_path = models.CharField(max_length=255, db_index=True)
    registered_on = models.DateField()
    control_start_on = models.DateField()
    # The day three years without detected use are reached (None while 强戒 runs).
    control_exit_on = models.DateField(null=True, blank=True)
    last_use_on = models.DateField(null=True, blank=True)
    died_on = models.DateField(null=True, blank=True)
    departed_on = models.DateField(null=True, blank=True)
    in_isolation = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("人员指标事实")

    def __str__(self):
        return f"person {self.person_id}"


class MeasureFact(models.Model):
    """One row per measure: the community execution figures (by decision date) and, for measures
    that ended by release, the release cohort with the first detected use after release."""

    measure = models.OneToOneField(
        "measures.Measure", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    # The executing unit's path (township or facility) and the person's managing unit's path.
    unit_path = models.CharField(max_length=255, db_index=True)
    home_path = models.CharField(max_length=255, db_index=True)
    decided_on = models.DateField()
    report_due_by = models.DateField(null=True, blank=True)
    reported_on = models.DateField(null=True, blank=True)
    refused = models.BooleanField(default=False)
    status = models.CharField(max_length=20)
    ended_on = models.DateField(null=True, blank=True)
    released = models.BooleanField(default=False)
    relapse_on = models.DateField(null=True, blank=True)
    # Death or departure before any relapse: the follow-up stops there (censored).
    censored_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("措施指标事实")
        # Path columns are indexed one by one: on PostgreSQL Django adds the pattern-ops index a
        # subtree's LIKE 'prefix%' needs; the cohort read also filters on the release day.
        indexes = [models.Index(fields=["released", "ended_on"], name="analytics_mf_release")]

    def __str__(self):
        return f"measure {self.measure_id}"


class MonthlyTally(models.Model):
    """A count per unit and month for records too many to keep one fact row each: scheduled
    tests due and done (community), evaluations by opinion (facility), follow-up visits due and
    done (aftercare). Recomputed per unit from the records whenever one of them changes."""

    unit_path = models.CharField(max_length=255, db_index=True)
    month = models.DateField()  # the first day of the month
    metric = models.CharField(max_length=40)
    value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("月度计数")
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "unit_path", "month"], name="analytics_tally_unique"
            )
        ]

    def __str__(self):
        return f"{self.metric} {self.unit_path} {self.month}: {self.value}"
