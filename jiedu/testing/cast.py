"""The standing cast of tests: a small synthetic province and one actor per situation.

Built through the services (not raw inserts), so tests exercise the real paths. Synthetic only:
division codes start with 99 (no real province uses it) and names are invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from jiedu.accounts.models import Membership, Role, User
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.models import OrgUnit
from jiedu.orgs.services import ensure_unit
from jiedu.people import services as people_services
from jiedu.people.models import Person
from jiedu.utilities import resident_id

PASSWORD = "Cast-pass-2026!"


@dataclass
class Cast:
    province: OrgUnit
    city: OrgUnit
    county_a: OrgUnit
    county_b: OrgUnit
    township_a: OrgUnit
    township_b: OrgUnit
    facility: OrgUnit  # judicial facility (province)
    police_facility: OrgUnit  # police facility (city)
    deciding_organ: OrgUnit  # county A police bureau
    clinic: OrgUnit  # rehab medical institution (city)
    worker_a: User  # community worker, county A
    supervisor: User  # township supervisor role at the city above A and B
    outsider: User  # community worker, county B
    auditor: User  # auditor at the province
    facility_officer: User  # officer of the judicial facility
    medic: User  # medical officer with health permission over county A
    admin: User  # system administrator at the province
    police: User  # deciding officer on county A (covers its police bureau and townships)
    facility_leader: User  # leader of the judicial facility
    police_facility_officer: User  # leader of the police facility


def make_user(username: str, unit: OrgUnit, role_code: str, display_name: str = "") -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, display_name=display_name or username
    )
    Membership.objects.create(user=user, org_unit=unit, role=Role.objects.get(code=role_code))
    return user


def build_cast() -> Cast:
    province = ensure_unit(
        parent=None, code="990000", name="演示省", kind=UnitKind.PROVINCE, division_code="990000"
    )
    city = ensure_unit(
        parent=province, code="990100", name="东湖市", kind=UnitKind.CITY, division_code="990100"
    )
    county_a = ensure_unit(
        parent=city, code="990102", name="江岸区", kind=UnitKind.COUNTY, division_code="990102"
    )
    county_b = ensure_unit(
        parent=city, code="990103", name="湖滨区", kind=UnitKind.COUNTY, division_code="990103"
    )
    township_a = ensure_unit(
        parent=county_a, code="990102001", name="花桥街道", kind=UnitKind.TOWNSHIP
    )
    township_b = ensure_unit(
        parent=county_b, code="990103001", name="柳岸街道", kind=UnitKind.TOWNSHIP
    )
    facility = ensure_unit(
        parent=province,
        code="990000-SF01",
        name="演示省第一强制隔离戒毒所",
        kind=UnitKind.JUDICIAL_FACILITY,
    )
    police_facility = ensure_unit(
        parent=city, code="990100-GJ01", name="东湖市强制隔离戒毒所", kind=UnitKind.POLICE_FACILITY
    )
    deciding_organ = ensure_unit(
        parent=county_a, code="990102-GA", name="江岸区公安分局", kind=UnitKind.DECIDING_AUTHORITY
    )
    clinic = ensure_unit(
        parent=city,
        code="990100-YL01",
        name="东湖市戒毒医院",
        kind=UnitKind.REHAB_MEDICAL_INSTITUTION,
    )
    return Cast(
        province=province,
        city=city,
        county_a=county_a,
        county_b=county_b,
        township_a=township_a,
        township_b=township_b,
        facility=facility,
        police_facility=police_facility,
        deciding_organ=deciding_organ,
        clinic=clinic,
        worker_a=make_user("worker_a", county_a, "community_worker", "甲区专干"),
        supervisor=make_user("supervisor", city, "township_supervisor", "市禁毒办督导"),
        outsider=make_user("outsider", county_b, "community_worker", "乙区专干"),
        auditor=make_user("auditor", province, "auditor", "审计员"),
        facility_officer=make_user("facility_officer", facility, "facility_officer", "所内民警"),
        medic=make_user("medic", county_a, "medical_officer", "医生"),
        admin=make_user("admin", province, "system_admin", "系统管理员"),
        police=make_user("police", county_a, "deciding_officer", "分局民警"),
        facility_leader=make_user("facility_leader", facility, "facility_leader", "所领导"),
        police_facility_officer=make_user(
            "police_facility_officer", police_facility, "facility_leader", "公安戒毒所民警"
        ),
    )


_sequence = iter(range(1, 1000))


def make_person(
    actor: User,
    unit: OrgUnit,
    name: str = "张三",
    birth_date: date = date(1990, 5, 17),
    gender: str = "male",
    *,
    id_number: str | None = None,
    **extra,
) -> Person:
    """A person created through the service; a valid ID number is made up unless given."""
    if id_number is None:
        seq = next(_sequence) * 2 - (1 if gender == "male" else 0)
        id_number = resident_id.build(unit.division_code or "990102", birth_date, seq % 1000 or 1)
    data = people_services.PersonInput(
        name=name,
        gender=gender,
        birth_date=birth_date,
        managing_unit=unit,
        id_number=id_number,
        **extra,
    )
    return people_services.create_person(data, actor=actor, confirm_not_duplicate=True)
