"""Person files of the synthetic population, stored as `people.services.create_person` stores them:
the ID number encrypted (the writer encrypts on PostgreSQL, the field elsewhere) with its keyed
blind index and masked form, and `search_text` built from the name, aliases and phones exactly as
`people.services.refresh_search_text` builds it.

Names are invented from lists of common characters (as `demo.province` does); resident ID numbers
are valid GB 11643 numbers on the synthetic province's own county codes (9x…), so they can never be
a real person's and never collide with another province's.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from jiedu.core.crypto import blind_index
from jiedu.demo.province import (
    DRUGS_OLD,
    DRUGS_YOUNG,
    FEMALE_CHARS,
    MALE_CHARS,
    MINORITIES,
    ROADS,
    SURNAMES,
)
from jiedu.people.choices import IdType, Relation
from jiedu.people.models import (
    DrugUse,
    FamilyContact,
    HealthRecord,
    Person,
    PersonAlias,
    PersonEvent,
    PersonPhone,
)
from jiedu.utilities import pinyin, resident_id

from .writer import Table

RECORDER = "合成数据"  # recorded_by / actor name on every generated row

PERSON = Table(
    Person,
    ("id", "uuid", "name", "gender", "birth_date", "ethnicity", "id_number", "id_number_index",
     "id_number_masked", "hukou_division_id", "hukou_address", "residence_division_id",
     "residence_address", "managing_unit_id", "measure_unit_id", "search_text", "created_at"),
    id_type=IdType.RESIDENT_ID,
    notes="合成数据（generate_synthetic）",
)  # fmt: skip
ALIAS = Table(PersonAlias, ("person_id", "name"), kind="alias")
PHONE = Table(PersonPhone, ("person_id", "number"))
DRUG_USE = Table(DrugUse, ("person_id", "drug_type_id", "first_used_on", "is_injecting"))
FAMILY = Table(FamilyContact, ("person_id", "name", "relation", "phone", "address"))
HEALTH = Table(HealthRecord, ("person_id", "hiv", "hepatitis_b", "hepatitis_c"))
EVENT = Table(PersonEvent, ("person_id", "code", "occurred_at", "org_unit_id", "data"),
              actor_name=RECORDER)  # fmt: skip


@lru_cache(maxsize=1)
def _zone():
    from django.utils import timezone

    return timezone.get_default_timezone()


def aware(day: date, hour: int = 9, minute: int = 0):
    """A time on `day` in the project's zone (Asia/Shanghai), timezone-aware."""
    return datetime.combine(day, time(hour, minute), tzinfo=_zone())


@lru_cache(maxsize=200_000)
def _name_tokens(name: str) -> tuple[str, ...]:
    tokens = [name.lower()]
    tokens.extend(pinyin.full_pinyin(name).split())
    tokens.extend(pinyin.initials(name).split())
    return tuple(tokens)


def search_text(names: list[str], phones: list[str]) -> str:
    """What `people.services.refresh_search_text` stores for these names and phones."""
    tokens: list[str] = []
    for name in names:
        tokens.extend(_name_tokens(name))
    tokens.extend(phones)
    return " " + " ".join(dict.fromkeys(t for t in tokens if t)) + " "


def given_name(rng: random.Random, gender: str) -> str:
    chars = MALE_CHARS if gender == "male" else FEMALE_CHARS
    return "".join(rng.choice(chars) for _ in range(rng.choice((1, 2, 2, 2))))


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


class IdNumbers:
    """Unique resident ID numbers per (county, birth date): sequence numbers handed out in order,
    odd for men and even for women (GB 11643)."""

    def __init__(self):
        self.used: dict[tuple[str, int], int] = {}

    def next(self, county_code: str, birth: date, gender: str) -> str:
        key = (county_code, birth.toordinal() * 2 + (gender == "male"))
        n = self.used.get(key, 0)
        self.used[key] = n + 1
        seq = 2 * n + (1 if gender == "male" else 2)
        if seq > 999:
            raise ValueError("more than 500 persons of one county, birth date and sex")
        return resident_id.build(county_code, birth, seq)


def emit_person(ctx, life, rng: random.Random, measure_unit: int | None) -> int:
    """Rows of one person file; returns its id."""
    tree = ctx.tree
    pid = ctx.ids.next(Person)
    surname = rng.choice(SURNAMES)
    name = surname + given_name(rng, life.gender)
    hukou = tree.townships[life.hukou]
    home = tree.townships[life.home]
    county_code = tree.counties[hukou.county].code
    number = ctx.id_numbers.next(county_code, life.birth_date, life.gender)
    index = blind_index(f"{IdType.RESIDENT_ID}:{number}", purpose="id_number")
    aliases = []
    if rng.random() < 0.15:
        aliases.append((rng.choice("小阿") + name[-1]) if rng.random() < 0.6 else "老" + surname)
    # Sorted: the insertion order is then also the order of the (person, number) index, so
    # search_text is the same whichever one refresh_search_text reads them in.
    phones = sorted({mobile(rng) for _ in range(rng.choice((0, 1, 1, 1, 1, 2)))})
    address = f"{hukou.name}{rng.choice(ROADS)}{rng.randint(1, 300)}号"
    residence = (
        address if home is hukou else f"{home.name}{rng.choice(ROADS)}{rng.randint(1, 300)}号"
    )
    ethnicity = "01" if rng.random() < 0.9 else rng.choice(MINORITIES)
    created = aware(life.found_on, rng.randint(8, 17), rng.randint(0, 59))
    ctx.rows[PERSON].append(
        (pid, uuid.uuid5(ctx.namespace, str(life.index)), name, life.gender, life.birth_date,
         ethnicity, number, index, resident_id.mask(number), hukou.id, address, home.id,
         residence, home.id, measure_unit, search_text([name, *aliases], phones),
         created)
    )  # fmt: skip
    for alias in aliases:
        ctx.rows[ALIAS].append((pid, alias))
    for phone in phones:
        ctx.rows[PHONE].append((pid, phone))
    table = DRUGS_OLD if life.birth_date.year < 1980 else DRUGS_YOUNG
    codes, weights = zip(*table, strict=True)
    first_drug = rng.choices(codes, weights=weights)[0]
    for code in dict.fromkeys((first_drug, rng.choices(codes, weights=weights)[0])):
        if code in ctx.drug_types and (code == first_drug or rng.random() < 0.3):
            used = life.found_on - timedelta(days=rng.randint(30, 3000))
            used = max(used, life.birth_date + timedelta(days=16 * 365))
            injecting = code in ("heroin", "morphine") and rng.random() < 0.4
            ctx.rows[DRUG_USE].append((pid, ctx.drug_types[code], used, injecting))
    if rng.random() < 0.4:
        kin_gender = "female" if life.gender == "male" else "male"
        relation = Relation.SPOUSE if rng.random() < 0.5 else Relation.PARENT
        kin = (surname if relation == Relation.PARENT else rng.choice(SURNAMES)) + given_name(
            rng, kin_gender
        )
        ctx.rows[FAMILY].append((pid, kin, relation, mobile(rng), residence))
    if rng.random() < 0.2:
        hiv = "positive" if rng.random() < 0.04 else "negative"
        ctx.rows[HEALTH].append(
            (pid, hiv, "negative", "positive" if rng.random() < 0.1 else "negative")
        )
    ctx.rows[EVENT].append((pid, "people.person.created", created, home.id, {}))
    return pid
