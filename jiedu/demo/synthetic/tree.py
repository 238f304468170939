"""The synthetic province's org tree: cities → counties → townships, a police organ per county,
a police facility and a rehab clinic per city, judicial facilities at the province — with zones,
beds and police strength sized to the population.

Units go through `orgs.services.ensure_unit` (found by code, else added), so a second run reuses
the tree. Codes are synthetic: the province code must be 9x0000 (no real province starts with 9),
and it is never the demo province's 990000.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from jiedu.facilities.choices import ZoneKind
from jiedu.facilities.models import Bed, FacilityProfile, Zone
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.models import OrgUnit
from jiedu.orgs.services import ensure_unit

DEMO_PROVINCE = "990000"
PERSONS_PER_TOWNSHIP = 400
MAX_TOWNSHIPS = 2500
TOWNSHIPS_PER_COUNTY = 12
COUNTIES_PER_CITY = 8
# Beds against persons on file: about 4 % are held at any time (domain.md §7.3–7.4: ~0.2 m in
# custody against ~5 m registered); the judicial facilities hold most of them after transfer.
POLICE_BEDS_PER_PERSON = 0.025
JUDICIAL_BEDS_PER_PERSON = 0.07
PERSONS_PER_OFFICER = (
    4  # police strength against beds (domain.md §7.3: 57,000 police, 320,000 beds)
)

SYLLABLES = "安宁平和兴盛东西南北长青丰乐永泰康新华明清源江河山林湖川云石桥阳春秋"
TOWN_SUFFIXES = ("街道", "街道", "镇", "镇", "乡")

JUDICIAL_ZONES = [
    (ZoneKind.DETOX, "生理脱毒区", 0.10),
    (ZoneKind.EDUCATION_ADAPTATION, "教育适应区", 0.22),
    (ZoneKind.CONSOLIDATION, "康复巩固区", 0.40),
    (ZoneKind.RETURN_GUIDANCE, "回归指导区", 0.23),
    (ZoneKind.SPECIAL, "病残专区", 0.05),
]
POLICE_ZONES = [
    (ZoneKind.DETOX, "脱毒区", 0.45),
    (ZoneKind.EDUCATION_ADAPTATION, "教育区", 0.55),
]


class TreeError(ValueError):
    """A province code the generator will not use."""


def check_province_code(code: str) -> None:
    if len(code) != 6 or not code.isdigit() or not code.endswith("0000"):
        raise TreeError("--province-code must be six digits ending in 0000, e.g. 980000")
    if code[0] != "9":
        # Real province codes are 11–65, 71, 81, 82: a 9x code can never name a real place.
        raise TreeError("--province-code must start with 9 (synthetic codes only)")
    if code == DEMO_PROVINCE:
        raise TreeError("990000 is the demo province (load_demo); choose another code")


@dataclass
class Township:
    id: int
    code: str
    name: str
    county: int  # index into Tree.counties
    path: str


@dataclass
class County:
    id: int
    code: str
    name: str
    city: int
    organ_id: int  # the deciding police organ
    townships: list[int] = field(default_factory=list)  # indexes into Tree.townships


@dataclass
class City:
    id: int
    code: str
    name: str
    police_facility: int  # index into Tree.facilities
    judicial_facility: int
    clinic_id: int
    counties: list[int] = field(default_factory=list)


@dataclass
class FacilityInfo:
    id: int
    kind: str
    name: str
    # zone kind -> (zone id, zone name, bed ids)
    zones: dict[str, tuple[int, str, list[int]]] = field(default_factory=dict)


@dataclass
class Tree:
    province: OrgUnit
    cities: list[City]
    counties: list[County]
    townships: list[Township]
    facilities: list[FacilityInfo]
    units: int


def _name(index: int, suffix: str, salt: int) -> str:
    n = len(SYLLABLES)
    a = SYLLABLES[(index * 7 + salt) % n]
    b = SYLLABLES[(index // n * 3 + index + salt * 5 + 11) % n]
    return f"{a}{b}{suffix}"


def sizes(persons: int) -> tuple[int, int, int]:
    """(cities, counties, townships) for `persons` on file."""
    townships = min(MAX_TOWNSHIPS, max(6, round(persons / PERSONS_PER_TOWNSHIP)))
    counties = max(2, math.ceil(townships / TOWNSHIPS_PER_COUNTY))
    cities = max(1, math.ceil(counties / COUNTIES_PER_CITY))
    return cities, counties, townships


def build_tree(code: str, persons: int) -> Tree:
    """Create (or find) every unit, zone and bed of the province."""
    check_province_code(code)
    K = UnitKind
    n_cities, n_counties, n_townships = sizes(persons)
    prefix = code[:2]
    province = ensure_unit(
        parent=None, code=code, name=f"合成省{prefix}", kind=K.PROVINCE, division_code=code
    )
    n_judicial = max(1, math.ceil(n_cities / 2))
    facilities: list[FacilityInfo] = []
    judicial = []
    for j in range(n_judicial):
        unit = ensure_unit(
            parent=province,
            code=f"{code}-SF{j + 1:02d}",
            name=f"合成省{prefix}第{j + 1}强制隔离戒毒所",
            kind=K.JUDICIAL_FACILITY,
            division_code=code,
        )
        judicial.append(len(facilities))
        facilities.append(FacilityInfo(unit.id, K.JUDICIAL_FACILITY, unit.name))
    cities, counties, townships = [], [], []
    for c in range(n_cities):
        city_code = f"{prefix}{c + 1:02d}00"
        city_name = _name(c, "市", 1)
        city = ensure_unit(
            parent=province, code=city_code, name=city_name, kind=K.CITY, division_code=city_code
        )
        police = ensure_unit(
            parent=city,
            code=f"{city_code}-GJ01",
            name=f"{city_name}强制隔离戒毒所",
            kind=K.POLICE_FACILITY,
            division_code=city_code,
        )
        clinic = ensure_unit(
            parent=city,
            code=f"{city_code}-YL01",
            name=f"{city_name}戒毒医院",
            kind=K.REHAB_MEDICAL_INSTITUTION,
            division_code=city_code,
        )
        facilities.append(FacilityInfo(police.id, K.POLICE_FACILITY, police.name))
        cities.append(
            City(city.id, city_code, city_name, len(facilities) - 1, judicial[c // 2], clinic.id)
        )
    per_city = math.ceil(n_counties / n_cities)
    for k in range(n_counties):
        c = min(k // per_city, n_cities - 1)
        city = cities[c]
        county_code = f"{city.code[:4]}{len(city.counties) + 1:02d}"
        suffix = "区" if k % 3 else "县"
        county_name = _name(k, suffix, 2)
        county = ensure_unit(
            parent=OrgUnit.objects.get(pk=city.id),
            code=county_code,
            name=county_name,
            kind=K.COUNTY,
            division_code=county_code,
        )
        organ = ensure_unit(
            parent=county,
            code=f"{county_code}-GA",
            name=f"{county_name}公安{'分局' if suffix == '区' else '局'}",
            kind=K.DECIDING_AUTHORITY,
            division_code=county_code,
        )
        city.counties.append(len(counties))
        counties.append(County(county.id, county_code, county_name, c, organ.id))
    for t in range(n_townships):
        k = t % n_counties
        county = counties[k]
        town_code = f"{county.code}{len(county.townships) + 1:03d}"
        unit = ensure_unit(
            parent=OrgUnit.objects.get(pk=county.id),
            code=town_code,
            name=_name(t, TOWN_SUFFIXES[t % len(TOWN_SUFFIXES)], 3),
            kind=K.TOWNSHIP,
        )
        county.townships.append(len(townships))
        townships.append(Township(unit.id, town_code, unit.name, k, unit.path))
    police_beds = math.ceil(persons * POLICE_BEDS_PER_PERSON / n_cities) + 10
    judicial_beds = math.ceil(persons * JUDICIAL_BEDS_PER_PERSON / n_judicial) + 20
    for info in facilities:
        beds = judicial_beds if info.kind == K.JUDICIAL_FACILITY else police_beds
        plan = JUDICIAL_ZONES if info.kind == K.JUDICIAL_FACILITY else POLICE_ZONES
        _equip(info, plan, beds)
    units = OrgUnit.objects.filter(path__startswith=province.path).count()
    return Tree(province, cities, counties, townships, facilities, units)


def _equip(info: FacilityInfo, plan, beds: int) -> None:
    """Profile, zones and beds of one facility (kept if already there)."""
    FacilityProfile.objects.get_or_create(
        facility_id=info.id,
        defaults={"police_strength": max(10, beds // PERSONS_PER_OFFICER), "admits_gender": "both"},
    )
    for kind, name, share in plan:
        zone, _created = Zone.objects.get_or_create(
            facility_id=info.id, name=name, defaults={"kind": kind}
        )
        want = max(4, math.ceil(beds * share))
        have = set(Bed.objects.filter(zone=zone).values_list("code", flat=True))
        Bed.objects.bulk_create(
            [Bed(zone=zone, code=f"{i:04d}") for i in range(1, want + 1) if f"{i:04d}" not in have],
            batch_size=5000,
        )
        bed_ids = list(Bed.objects.filter(zone=zone).order_by("code").values_list("id", flat=True))
        info.zones[kind] = (zone.id, zone.name, bed_ids)
