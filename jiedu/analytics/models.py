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
    decided_on = models.DateField(db_index=True)  # every measure figure counts by decision day
    report_due_by = models.DateField(null=True, blank=True)
    reported_on = models.DateField(null=True, blank=True)
    refused = models.BooleanField(default=False)
    status = models.CharField(max_length=20)
    ended_on = models.DateField(null=True, blank=True)
    released = models.BooleanField(default=False)
    relapse_on = models.DateField(null=True, blank=True)
    # Death or departure before any relapse: the follow-up stops there (censored).
    censored_on = models.DateField(null=True, blank=True)
    # The same dates as the cohort figures read them, so that a release cohort is counted in SQL:
    # the first N of 1–3 with the day before the N-year anniversary of the release, and whole
    # months from the release (Kaplan–Meier).
    relapse_within = models.PositiveSmallIntegerField(null=True, blank=True)
    censored_within = models.PositiveSmallIntegerField(null=True, blank=True)
    relapse_months = models.PositiveIntegerField(null=True, blank=True)
    censored_months = models.PositiveIntegerField(null=True, blank=True)

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


class DailyChange(models.Model):
    """The running totals' ledger (`stocks.py`): for a unit, a figure and a day, by how much the
    figure changes that day — a person figure's count of persons in its state, or a monthly
    tally's value (its month's, entered on the month's first day)."""

    unit_path = models.CharField(max_length=255, db_index=True)  # a small unit's subtree
    code = models.CharField(max_length=30)
    day = models.DateField(db_index=True)
    delta = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("人员指标日变动")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "unit_path", "day"], name="analytics_change_unique"
            )
        ]

    def __str__(self):
        return f"{self.code} {self.unit_path} {self.day}: {self.delta:+d}"


class MonthEndStock(models.Model):
    """A figure's running total for a unit on a month's last day (`stocks.py`): the ledger
    summed up to that day — a person figure's count, or a tally's sum over all months so far —
    kept for every month from the unit's first change to the latest month."""

    unit_path = models.CharField(max_length=255, db_index=True)  # a small unit's subtree
    code = models.CharField(max_length=30)
    month = models.DateField()  # the first day of the month
    value = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("人员指标月末数")
        constraints = [
            # Reads are one month at a time, for a subtree: month first, then the path.
            models.UniqueConstraint(
                fields=["month", "code", "unit_path"], name="analytics_month_end_unique"
            )
        ]

    def __str__(self):
        return f"{self.code} {self.unit_path} {self.month}: {self.value}"
