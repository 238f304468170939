import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from jiedu.core.audit import AuditedModel
from jiedu.core.fields import EncryptedCharField
from jiedu.core.models import AppendOnlyModel
from jiedu.core.permissions import RestrictedQuerySet
from jiedu.utilities import resident_id

from .choices import (
    ETHNICITIES,
    AliasKind,
    Gender,
    IdType,
    PersonStatus,
    Relation,
    TestStatus,
)


class PersonQuerySet(RestrictedQuerySet):
    def active(self):
        return self.filter(status=PersonStatus.ACTIVE)


def photo_path(instance, filename):
    # Never keep the uploader's file name: it may carry the person's name.
    return f"photos/{instance.uuid.hex[:2]}/{instance.uuid.hex}-{uuid.uuid4().hex[:8]}.jpg"


class Person(AuditedModel):
    """人员档案 (一人一档): one file per person, shared by every agency that handles them."""

    uuid = models.UUIDField(_("档案编号"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=2, choices=ETHNICITIES, blank=True)
    nationality = CountryField(_("国籍"), default="CN")
    id_type = models.CharField(
        _("证件类型"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    # The number is encrypted; lookups use the keyed blind index; lists show the masked form.
    id_number = EncryptedCharField(_("证件号码"), blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(_("证件号码"), max_length=40, blank=True, editable=False)
    hukou_division = models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("户籍地行政区划"),
    )
    hukou_address = models.CharField(_("户籍地详址"), max_length=200, blank=True)
    residence_division = models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("现居住地行政区划"),
    )
    residence_address = models.CharField(_("现居住地详址"), max_length=200, blank=True)
    photo = models.ImageField(_("照片"), upload_to=photo_path, blank=True)
    managing_unit = models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.PROTECT,
        related_name="managed_persons",
        verbose_name=_("管理单位"),
    )
    # The unit executing the person's current measure (a facility holding them, the township
    # running their community case), kept by the measures services. It shares the file: the
    # facility that holds a person managed by a township sees that person (and loses the file
    # when the measure moves on).
    measure_unit = models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("措施执行单位"),
        editable=False,
    )
    status = models.CharField(
        _("档案状态"), max_length=10, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("合并至"),
    )
    notes = models.TextField(_("备注"), blank=True)
    # Lower-case tokens: name, aliases, their full pinyin and initials, each preceded by a space,
    # so that " zs" finds every token starting with zs (see people.querysets / services).
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("建档时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_unit_path = ("managing_unit__path", "measure_unit__path")
    audit_exclude = ("updated_at", "search_text", "id_number_index")

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["name", "birth_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=Q(status="active") & ~Q(id_number_index=""),
                name="person_unique_active_id_number",
            ),
        ]
        indexes = [
            models.Index(fields=["name", "birth_date"], name="person_name_birth"),
            models.Index(fields=["managing_unit", "status"], name="person_unit_status"),
        ]

    def __str__(self):
        return self.name

    def audit_person_pk(self):
        return self.pk

    def scope_units(self) -> list:
        """The units whose grants reach this file (see `scope_unit_path`)."""
        return [u for u in (self.managing_unit, self.measure_unit) if u is not None]

    def set_id_number(self, id_type: str, number: str) -> None:
        """Store an identity document number: encrypted, indexed and masked."""
        from jiedu.core.crypto import blind_index

        self.id_type = id_type
        number = resident_id.normalize(number)
        self.id_number = number
        self.id_number_index = (
            blind_index(f"{id_type}:{number}", purpose="id_number") if number else ""
        )
        self.id_number_masked = resident_id.mask(number) if number else ""

    @property
    def age(self) -> int | None:
        from jiedu.core.clock import today

        t = today()
        b = self.birth_date
        return t.year - b.year - ((t.month, t.day) < (b.month, b.day))


class PersonChild(AuditedModel):
    """Base for records that belong to one person and share the person's scope."""

    scope_unit_path = ("person__managing_unit__path", "person__measure_unit__path")
    scope_permission_noun = "person"

    class Meta:
        abstract = True

    def audit_person_pk(self):
        return self.person_id


class PersonAlias(PersonChild):
    """别名/绰号/曾用名 of a person; searched like the name."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类别"), max_length=20, choices=AliasKind.choices)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("别名")
        verbose_name_plural = _("别名")
        constraints = [
            models.UniqueConstraint(fields=["person", "name"], name="alias_unique_per_person")
        ]

    def __str__(self):
        return self.name


class PersonPhone(PersonChild):
    """联系电话 of a person."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("号码"), max_length=30, db_index=True)
    label = models.CharField(_("说明"), max_length=30, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("联系电话")
        verbose_name_plural = _("联系电话")
        constraints = [
            models.UniqueConstraint(fields=["person", "number"], name="phone_unique_per_person")
        ]

    def __str__(self):
        return self.number


class DrugType(AuditedModel):
    """毒品种类: the maintained list that drug histories and tests refer to."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=80)
    category = models.CharField(_("类别"), max_length=50, blank=True)
    controlled_since = models.DateField(_("列管日期"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("毒品种类")
        verbose_name_plural = _("毒品种类")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class DrugUse(PersonChild):
    """吸毒史: one drug a person has used, since when, and whether by injection."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="drug_uses")
    drug_type = models.ForeignKey(DrugType, on_delete=models.PROTECT, verbose_name=_("毒品种类"))
    first_used_on = models.DateField(_("首次吸食日期"), null=True, blank=True)
    is_injecting = models.BooleanField(_("注射吸毒"), default=False)
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("吸毒史")
        verbose_name_plural = _("吸毒史")
        ordering = ["first_used_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "drug_type"], name="drug_use_unique_type")
        ]

    def __str__(self):
        return str(self.drug_type)


class HealthRecord(PersonChild):
    """健康信息 (restricted): infectious diseases and psychiatric diagnoses.

    Shown only to users holding `people.view_health` over the person's unit, in the UI and API.
    """

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="health")
    hiv = models.CharField(_("HIV"), max_length=10, choices=TestStatus.choices, default="unknown")
    hepatitis_b = models.CharField(
        _("乙肝"), max_length=10, choices=TestStatus.choices, default="unknown"
    )
    hepatitis_c = models.CharField(
        _("丙肝"), max_length=10, choices=TestStatus.choices, default="unknown"
    )
    tuberculosis = models.CharField(
        _("结核病"), max_length=10, choices=TestStatus.choices, default="unknown"
    )
    syphilis = models.CharField(
        _("梅毒"), max_length=10, choices=TestStatus.choices, default="unknown"
    )
    psychiatric_diagnosis = models.CharField(_("精神疾病诊断"), max_length=200, blank=True)
    notes = models.TextField(_("健康备注"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_permission_noun = "health"  # people.view_health / people.change_health

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("健康信息")
        verbose_name_plural = _("健康信息")

    def __str__(self):
        return f"{self.person} 健康信息"


class FamilyContact(PersonChild):
    """家庭成员及联系人."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="family")
    name = models.CharField(_("姓名"), max_length=50)
    relation = models.CharField(_("关系"), max_length=20, choices=Relation.choices)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_guardian = models.BooleanField(_("监护人"), default=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["id"]

    def __str__(self):
        return f"{self.name}（{self.get_relation_display()}）"


class PersonEvent(AppendOnlyModel):
    """时间轴: a domain event in a person's life, written by services (e.g. people.person.created).

    Append-only; a merge does not move events: the target's timeline also reads the merged files'.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="events")
    code = models.CharField(_("事件"), max_length=80, db_index=True)
    occurred_at = models.DateTimeField(_("时间"), default=timezone.now)
    actor_name = models.CharField(_("经办人"), max_length=150, blank=True)
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict)

    scope_unit_path = ("person__managing_unit__path", "person__measure_unit__path")

    class Meta:
        verbose_name = _("时间轴事件")
        verbose_name_plural = _("时间轴事件")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["person", "occurred_at"], name="event_person_time")]

    def __str__(self):
        return self.code
