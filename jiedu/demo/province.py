"""The synthetic demo province (演示省): an org tree, one login per role and a few hundred persons.

Everything here is invented. Division codes start with 99, which no real province uses; names are
drawn at random from lists of common characters; ID numbers are built with valid check digits on
those codes. The generator is seeded, so every run produces the same province.

Writes go through the services (`ensure_unit`, `create_user`, `create_person`, …) so the change log
and the timelines look like real use, all attributed to the superuser `admin`. Loading is
idempotent: units are found by code, users by username (an existing user is left alone, so changed
passwords stay changed), and each person has an idempotency key (`demo-<n>`), so a second run adds
nothing and an interrupted run resumes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction

from jiedu.accounts import services as account_services
from jiedu.accounts.models import Role, User
from jiedu.core.context import acting_as
from jiedu.core.models import IdempotencyRecord
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.models import OrgUnit
from jiedu.orgs.services import ensure_unit
from jiedu.people import services as people_services
from jiedu.people.choices import Gender, IdType, Relation
from jiedu.people.models import DrugType, Person
from jiedu.utilities import resident_id

DEMO_PASSWORD = "jiedu-demo-2026"
SUPERUSER = "admin"
SEED = 2026
DEFAULT_PERSONS = 300
URL = "http://127.0.0.1:8000/"
KEY_PREFIX = "demo-"


class DemoError(Exception):
    """The database is in a state the loader will not work on (e.g. roles missing)."""


# --- The org tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    parent: str | None  # code of the parent unit
    division_code: str = ""


PROVINCE = "990000"
CITIES = [("990100", "东湖市"), ("990200", "西山市")]
# county code, name, city code
COUNTIES = [
    ("990102", "江岸区", "990100"),
    ("990103", "湖滨区", "990100"),
    ("990202", "松林区", "990200"),
    ("990203", "青石县", "990200"),
]
# township code (9-digit statistical code), name, county code
TOWNSHIPS = [
    ("990102001", "花桥街道", "990102"),
    ("990102002", "江滩街道", "990102"),
    ("990102003", "永安街道", "990102"),
    ("990103001", "柳岸街道", "990103"),
    ("990103002", "湖心街道", "990103"),
    ("990202001", "松涛街道", "990202"),
    ("990202002", "林荫街道", "990202"),
    ("990202101", "枫林镇", "990202"),
    ("990203101", "青石镇", "990203"),
    ("990203201", "白水乡", "990203"),
]
JUDICIAL_FACILITY = "990000-SF01"
POLICE_FACILITY = "990100-GJ01"
REHAB_BUREAU = "990000-JDJ"


def deciding_organ_code(county_code: str) -> str:
    return f"{county_code}-GA"


def township_office_code(township_code: str) -> str:
    return f"{township_code}-JDB"


def unit_specs() -> list[UnitSpec]:
    """Every demo unit, parents before children."""
    K = UnitKind
    specs = [
        UnitSpec(PROVINCE, "演示省", K.PROVINCE, None, PROVINCE),
        UnitSpec("990000-JDW", "演示省禁毒委员会办公室", K.ANTI_DRUG_OFFICE, PROVINCE, PROVINCE),
        UnitSpec(REHAB_BUREAU, "演示省戒毒管理局", K.REHAB_BUREAU, PROVINCE, PROVINCE),
        UnitSpec(
            JUDICIAL_FACILITY, "演示省第一强制隔离戒毒所", K.JUDICIAL_FACILITY, PROVINCE, PROVINCE
        ),
    ]
    for code, name in CITIES:
        specs.append(UnitSpec(code, name, K.CITY, PROVINCE, code))
        specs.append(
            UnitSpec(
                f"{code}-ZDZX", f"{name}社区戒毒（康复）指导中心", K.GUIDANCE_CENTRE, code, code
            )
        )
    specs += [
        UnitSpec(POLICE_FACILITY, "东湖市强制隔离戒毒所", K.POLICE_FACILITY, "990100", "990100"),
        UnitSpec("990100-YL01", "东湖市戒毒医院", K.REHAB_MEDICAL_INSTITUTION, "990100", "990100"),
    ]
    for code, name, city in COUNTIES:
        specs.append(UnitSpec(code, name, K.COUNTY, city, code))
        organ = f"{name}公安分局" if name.endswith("区") else f"{name}公安局"
        specs.append(UnitSpec(deciding_organ_code(code), organ, K.DECIDING_AUTHORITY, code, code))
    for code, name, county in TOWNSHIPS:
        specs.append(UnitSpec(code, name, K.TOWNSHIP, county))
        specs.append(
            UnitSpec(township_office_code(code), f"{name}禁毒办", K.TOWNSHIP_OFFICE, code, county)
        )
    return specs


def ensure_units() -> dict[str, OrgUnit]:
    units: dict[str, OrgUnit] = {}
    for spec in unit_specs():
        units[spec.code] = ensure_unit(
            parent=units[spec.parent] if spec.parent else None,
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            division_code=spec.division_code,
        )
    return units


# --- Logins ------------------------------------------------------------------------------------

# username, display name, role code, unit code. Covers every role in accounts.roles.DEFAULT_ROLES.
# A membership covers its unit's subtree, so officers whose work spans a territory hold their post
# on the division: the county police bureau's officer on the county, the bureau analyst on the
# province (agencies have no people of their own below them).
DEMO_USERS = [
    ("demo_worker", "花桥街道禁毒专干（演示）", "community_worker", "990102001"),
    ("demo_outsider", "柳岸街道禁毒专干（演示）", "community_worker", "990103001"),
    ("demo_supervisor", "东湖市禁毒办督导（演示）", "township_supervisor", "990100"),
    (
        "demo_police",
        "江岸区公安分局民警（演示）",
        "deciding_officer",
        "990102",
    ),
    ("demo_facility", "戒毒所民警（演示）", "facility_officer", JUDICIAL_FACILITY),
    ("demo_leader", "戒毒所领导（演示）", "facility_leader", JUDICIAL_FACILITY),
    # A second leader: the monthly behaviour chain forbids one person approving two adjacent
    # steps (centres.services.points), so the demo approves with both.
    ("demo_captain", "戒毒所大队长（演示）", "facility_leader", JUDICIAL_FACILITY),
    (
        "demo_police_facility",
        "东湖市强制隔离戒毒所民警（演示）",
        "facility_leader",
        POLICE_FACILITY,
    ),
    ("demo_doctor", "戒毒所医生（演示）", "medical_officer", JUDICIAL_FACILITY),
    ("demo_analyst", "戒毒管理局统计员（演示）", "bureau_analyst", PROVINCE),
    ("demo_auditor", "审计员（演示）", "auditor", PROVINCE),
    ("demo_sysadmin", "系统管理员（演示）", "system_admin", PROVINCE),
]


def ensure_superuser() -> User:
    user = User.objects.filter(username=SUPERUSER).first()
    if user is None:
        return User.objects.create_superuser(
            username=SUPERUSER, password=DEMO_PASSWORD, display_name="超级管理员（演示）"
        )
    if not (user.is_superuser and user.is_active):
        raise DemoError(f"User '{SUPERUSER}' exists but is not an active superuser.")
    return user


def ensure_users(superuser: User, units: dict[str, OrgUnit]) -> list[User]:
    """Create each demo user with its membership if the username is free; never touch others."""
    roles = {r.code: r for r in Role.objects.all()}
    missing = sorted({role for _u, _n, role, _c in DEMO_USERS} - roles.keys())
    if missing:
        raise DemoError(f"Roles missing (run migrate): {', '.join(missing)}")
    users = []
    for username, display_name, role, unit_code in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = account_services.create_user(
                actor=superuser,
                username=username,
                display_name=display_name,
                password=DEMO_PASSWORD,
                org_unit=units[unit_code],
                role=roles[role],
            )
        users.append(user)
    return users


def login_rows(units: dict[str, OrgUnit]) -> list[tuple[str, str, str, str]]:
    """(username, role name, unit, password) for the printed table of demo logins."""
    roles = {r.code: r.name for r in Role.objects.all()}
    names = {code: unit.name for code, unit in units.items()}
    rows = [(SUPERUSER, "超级管理员（superuser）", "全部单位", DEMO_PASSWORD)]
    for username, _display, role, unit_code in DEMO_USERS:
        unit = names[unit_code]
        township = next((t for t in TOWNSHIPS if t[0] == unit_code), None)
        if township:  # say where the township is
            unit = f"{names[township[2]]}{unit}"
        rows.append((username, roles.get(role, role), unit, DEMO_PASSWORD))
    return rows


# --- Persons -----------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛"
)
MALE_CHARS = "伟强军磊勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林峰建国志文海东亮成洋晨阳春"
FEMALE_CHARS = "芳娜敏静丽艳娟霞玲婷雪慧燕红琳倩颖洁梅莉兰萍晶丹月欣怡佳秀英桂珍凤琴"
MINORITIES = ("02", "03", "04", "06", "07", "08", "09", "11", "15", "25")
ROADS = ("解放路", "人民路", "建设路", "和平街", "中山路", "文化路", "滨江路", "新华路", "胜利街")
# drug code, weight; opioids mostly for the older cohort, stimulants for the younger.
DRUGS_YOUNG = (
    ("methamphetamine", 50), ("ketamine", 14), ("mdma", 8), ("meth_tablet", 8), ("cannabis", 8),
    ("heroin", 6), ("etomidate", 3), ("nitrous_oxide", 2), ("tramadol", 1),
)  # fmt: skip
DRUGS_OLD = (
    ("heroin", 45), ("methamphetamine", 35), ("meth_tablet", 6), ("opium", 4), ("ketamine", 4),
    ("morphine", 2), ("codeine_syrup", 2), ("cannabis", 2),
)  # fmt: skip
PSYCHIATRIC = ("苯丙胺类兴奋剂所致精神病性障碍", "抑郁发作", "焦虑障碍")
# Placement of persons after the first round over the townships: unit code, weight.
PLACEMENT = [
    *((township_office_code(t[0]), 6) for t in TOWNSHIPS),
    (POLICE_FACILITY, 10),
    (JUDICIAL_FACILITY, 14),
    *((deciding_organ_code(c[0]), 2) for c in COUNTIES),
]
LAST_DATE = date(2025, 12, 31)  # nothing in the generated histories lies after this


@dataclass
class PersonSpec:
    key: str
    name: str
    gender: str
    birth_date: date
    unit: str  # managing unit code
    hukou: str  # township code
    id_number: str = ""
    ethnicity: str = "01"
    hukou_address: str = ""
    residence: str = ""
    residence_address: str = ""
    aliases: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    drugs: list[tuple[str, date, bool]] = field(default_factory=list)
    family: list[dict] = field(default_factory=list)
    health: dict | None = None


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def _given_name(rng: random.Random, gender: str) -> str:
    chars = MALE_CHARS if gender == Gender.MALE else FEMALE_CHARS
    return "".join(rng.choice(chars) for _ in range(rng.choice((1, 2, 2, 2))))


def _address(rng: random.Random, township: str) -> str:
    return f"{township}{rng.choice(ROADS)}{rng.randint(1, 300)}号"


def _county_of(township_code: str) -> str:
    return township_code[:6]


def _township_name(code: str) -> str:
    return next(t[1] for t in TOWNSHIPS if t[0] == code)


def _home_township(rng: random.Random, unit: str) -> str:
    """Community files live where the person is registered; facilities take from everywhere."""
    for code, _name, _county in TOWNSHIPS:
        if unit == township_office_code(code):
            return code
    for _code, _name, county in COUNTIES:
        if unit == deciding_organ_code(county):
            return rng.choice([t[0] for t in TOWNSHIPS if t[2] == county])
    return rng.choice(TOWNSHIPS)[0]


def _test_result(rng: random.Random, positive_rate: float) -> str:
    return "positive" if rng.random() < positive_rate else "negative"


def _date_after(rng: random.Random, start: date, min_years: int, max_years: int) -> date:
    years = rng.randint(min_years, max_years)
    d = date(start.year + years, rng.randint(1, 12), rng.randint(1, 28))
    return min(d, LAST_DATE - timedelta(days=rng.randint(30, 400)))


def generate_persons(count: int, seed: int = SEED) -> list[PersonSpec]:
    """`count` synthetic persons, then a few likely duplicates of some of them. No database."""
    rng = random.Random(seed)
    used_ids: set[str] = set()
    first_day, last_day = date(1965, 1, 1).toordinal(), date(2005, 12, 31).toordinal()
    specs: list[PersonSpec] = []
    for i in range(count):
        gender = Gender.MALE if rng.random() < 0.85 else Gender.FEMALE
        surname = rng.choice(SURNAMES)
        name = surname + _given_name(rng, gender)
        birth = date.fromordinal(rng.randint(first_day, last_day))
        # Every township gets someone before the rest are placed by weight.
        unit = township_office_code(TOWNSHIPS[i][0]) if i < len(TOWNSHIPS) else None
        unit = unit or _weighted(rng, PLACEMENT)
        hukou = _home_township(rng, unit)
        while True:  # odd sequence for men, even for women; unique within the province
            seq = rng.randrange(1 if gender == Gender.MALE else 2, 1000, 2)
            number = resident_id.build(_county_of(hukou), birth, seq)
            if number not in used_ids:
                used_ids.add(number)
                break
        spec = PersonSpec(
            key=f"{KEY_PREFIX}{i}",
            name=name,
            gender=gender,
            birth_date=birth,
            unit=unit,
            hukou=hukou,
            id_number=number,
            ethnicity="01" if rng.random() < 0.88 else rng.choice(MINORITIES),
            hukou_address=_address(rng, _township_name(hukou)),
        )
        spec.residence = hukou if rng.random() < 0.8 else rng.choice(TOWNSHIPS)[0]
        spec.residence_address = (
            f"{_address(rng, _township_name(spec.residence))}"
            f"{rng.randint(1, 20)}栋{rng.randint(1, 6)}单元{rng.randint(101, 1802)}室"
        )
        if rng.random() < 0.2:
            spec.aliases = (
                rng.choice(("小", "阿")) + name[-1] if rng.random() < 0.6 else "老" + surname,
            )
        spec.phones = tuple(_mobile(rng) for _ in range(rng.choice((0, 1, 1, 1, 1, 1, 2))))
        table = DRUGS_OLD if birth.year < 1980 else DRUGS_YOUNG
        for _ in range(1 if rng.random() < 0.7 else 2):
            code = _weighted(rng, table)
            if code not in {d[0] for d in spec.drugs}:
                injecting = code in ("heroin", "morphine") and rng.random() < 0.4
                spec.drugs.append((code, _date_after(rng, birth, 16, 35), injecting))
        if rng.random() < 0.5:
            old = birth.year < 1980
            relation = Relation.SPOUSE if old or rng.random() < 0.3 else Relation.PARENT
            if relation == Relation.PARENT:
                kin_gender = rng.choice((Gender.MALE, Gender.FEMALE))
                kin_name = surname + _given_name(rng, kin_gender)
            else:
                kin_gender = Gender.FEMALE if gender == Gender.MALE else Gender.MALE
                kin_name = rng.choice(SURNAMES) + _given_name(rng, kin_gender)
            spec.family.append(
                {
                    "name": kin_name,
                    "relation": relation,
                    "phone": _mobile(rng),
                    "address": spec.residence_address,
                    "is_guardian": False,
                }
            )
        if rng.random() < 0.25:
            injecting = any(d[2] for d in spec.drugs)
            stimulant = any(d[0] == "methamphetamine" for d in spec.drugs)
            spec.health = {
                "hiv": _test_result(rng, 0.15 if injecting else 0.02),
                "hepatitis_b": _test_result(rng, 0.08),
                "hepatitis_c": _test_result(rng, 0.5 if injecting else 0.05),
                "tuberculosis": _test_result(rng, 0.02),
                "syphilis": _test_result(rng, 0.04),
                "psychiatric_diagnosis": (
                    rng.choice(PSYCHIATRIC) if stimulant and rng.random() < 0.15 else ""
                ),
            }
        specs.append(spec)
    return specs + _duplicates(specs)


def _duplicates(specs: list[PersonSpec]) -> list[PersonSpec]:
    """Second files for the same person (same name and birth date, no ID number) to merge.

    Pairs are chosen so that the demo logins can merge them: three inside 东湖市 (demo_supervisor;
    one across its two counties) and one inside the judicial facility (demo_leader).
    """
    plans = [
        # (source unit predicate, unit of the second file: None = same unit)
        (lambda s: s.unit.startswith("990102") and "JDB" in s.unit,
         township_office_code("990103002")),
        (lambda s: s.unit.startswith("990103") and "JDB" in s.unit, None),
        (lambda s: s.unit.startswith("990102") and "JDB" in s.unit, None),
        (lambda s: s.unit == JUDICIAL_FACILITY, None),
    ]  # fmt: skip
    used: set[str] = set()
    dups = []
    for plan, (matches, other_unit) in enumerate(plans):
        source = next((s for s in specs if s.key not in used and matches(s)), None)
        if source is None:
            continue
        used.add(source.key)
        rng = random.Random(f"{SEED}-dup-{source.key}")
        dup = PersonSpec(
            key=f"{KEY_PREFIX}dup-{source.key.removeprefix(KEY_PREFIX)}",
            name=source.name,
            gender=source.gender,
            birth_date=source.birth_date,
            unit=other_unit or source.unit,
            hukou=source.hukou,
            ethnicity=source.ethnicity,
            hukou_address=source.hukou_address if plan % 2 else "",
            residence=source.residence,
            residence_address=source.residence_address,
            phones=(source.phones[:1] if plan % 2 else (_mobile(rng),)),
            aliases=("小" + source.name[-1],) if plan == 0 else (),
        )
        if source.drugs:
            code, first_used, injecting = source.drugs[0]
            dup.drugs.append((code, first_used, injecting))
        dups.append(dup)
    return dups


def ensure_persons(superuser: User, units: dict[str, OrgUnit], count: int) -> tuple[int, int]:
    """Create the persons not created before; return (created, total demo files)."""
    done = set(
        IdempotencyRecord.objects.filter(
            user_id=superuser.pk, scope="people.create_person", key__startswith=KEY_PREFIX
        ).values_list("key", flat=True)
    )
    drug_types = {d.code: d for d in DrugType.objects.filter(is_active=True)}
    specs = generate_persons(count)
    created = 0
    for spec in specs:
        if spec.key in done:
            continue
        if _create_person(spec, superuser, units, drug_types):
            created += 1
    total = Person.objects.filter(managing_unit__path__startswith=units[PROVINCE].path).count()
    return created, total


def _create_person(spec: PersonSpec, actor: User, units, drug_types) -> Person | None:
    data = people_services.PersonInput(
        name=spec.name,
        gender=spec.gender,
        birth_date=spec.birth_date,
        managing_unit=units[spec.unit],
        id_type=IdType.RESIDENT_ID if spec.id_number else IdType.NONE,
        id_number=spec.id_number,
        ethnicity=spec.ethnicity,
        hukou_division=units[spec.hukou],
        hukou_address=spec.hukou_address,
        residence_division=units[spec.residence],
        residence_address=spec.residence_address,
        aliases=spec.aliases,
        phones=spec.phones,
    )
    with transaction.atomic():
        try:
            person = people_services.create_person(
                data, actor=actor, confirm_not_duplicate=True, idempotency_key=spec.key
            )
        except people_services.DuplicatePersonError as exc:
            if exc.same_id:  # the number is already on file (e.g. entered by hand): keep that
                return None
            raise
        for code, first_used_on, injecting in spec.drugs:
            if code in drug_types:
                people_services.save_drug_use(
                    person,
                    actor=actor,
                    drug_type=drug_types[code],
                    first_used_on=first_used_on,
                    is_injecting=injecting,
                )
        for contact in spec.family:
            people_services.save_family_contact(person, actor=actor, **contact)
        if spec.health:
            people_services.update_health(person, spec.health, actor=actor)
    return person


# --- Entry point -------------------------------------------------------------------------------


@dataclass
class LoadResult:
    units: int
    persons_created: int
    persons_total: int
    logins: list[tuple[str, str, str, str]]


def load(persons: int = DEFAULT_PERSONS) -> LoadResult:
    """Build (or complete) the demo province; safe to run any number of times."""
    with transaction.atomic():
        superuser = ensure_superuser()
        with acting_as(superuser):
            units = ensure_units()
            ensure_users(superuser, units)
            created, total = ensure_persons(superuser, units, persons)
    return LoadResult(
        units=OrgUnit.objects.subtree(units[PROVINCE]).count(),
        persons_created=created,
        persons_total=total,
        logins=login_rows(units),
    )


def refresh_planner_statistics() -> None:
    """PostgreSQL plans from statistics taken when the tables were empty (autovacuum analyses
    them right after migrate) join every row of one table to every row of another once they
    are full: the demo's lock on a community case took seconds. After each bulk phase of the
    load, ANALYZE counts the new rows — also those of a transaction still running, as in the
    demo tests. Other databases plan without such statistics."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
