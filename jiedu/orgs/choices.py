from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    # Administrative divisions (行政区划)
    PROVINCE = "province", _("省（自治区、直辖市）")
    CITY = "city", _("市（地区、州）")
    COUNTY = "county", _("县（区、市）")
    TOWNSHIP = "township", _("乡镇（街道）")
    # Agencies attached to a division
    DECIDING_AUTHORITY = "deciding_authority", _("公安机关（决定机关）")
    POLICE_STATION = "police_station", _("派出所")
    POLICE_FACILITY = "police_facility", _("公安强制隔离戒毒所")
    JUDICIAL_FACILITY = "judicial_facility", _("司法行政强制隔离戒毒所")
    REHAB_BUREAU = "rehab_bureau", _("戒毒管理局")
    ANTI_DRUG_OFFICE = "anti_drug_office", _("禁毒委员会办公室")
    GUIDANCE_CENTRE = "guidance_centre", _("社区戒毒（康复）指导中心")
    GUIDANCE_STATION = "guidance_station", _("社区戒毒（康复）指导站")
    TOWNSHIP_OFFICE = "township_office", _("乡镇（街道）禁毒办")
    REHAB_MEDICAL_INSTITUTION = "rehab_medical_institution", _("戒毒医疗机构")


DIVISION_KINDS = (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.COUNTY, UnitKind.TOWNSHIP)

# Which kinds may sit directly under which. Agencies hang under a division; a guidance station
# may also hang under a centre, and a police station under its county bureau.
ALLOWED_PARENTS: dict[str, tuple[str, ...]] = {
    UnitKind.PROVINCE: (),
    UnitKind.CITY: (UnitKind.PROVINCE,),
    UnitKind.COUNTY: (UnitKind.CITY, UnitKind.PROVINCE),
    UnitKind.TOWNSHIP: (UnitKind.COUNTY,),
    UnitKind.DECIDING_AUTHORITY: (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.COUNTY),
    UnitKind.POLICE_STATION: (UnitKind.COUNTY, UnitKind.TOWNSHIP, UnitKind.DECIDING_AUTHORITY),
    UnitKind.POLICE_FACILITY: (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.COUNTY),
    UnitKind.JUDICIAL_FACILITY: (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.COUNTY),
    UnitKind.REHAB_BUREAU: (UnitKind.PROVINCE, UnitKind.CITY),
    UnitKind.ANTI_DRUG_OFFICE: (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.COUNTY),
    UnitKind.GUIDANCE_CENTRE: (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.COUNTY),
    UnitKind.GUIDANCE_STATION: (UnitKind.COUNTY, UnitKind.TOWNSHIP, UnitKind.GUIDANCE_CENTRE),
    UnitKind.TOWNSHIP_OFFICE: (UnitKind.TOWNSHIP,),
    UnitKind.REHAB_MEDICAL_INSTITUTION: (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.COUNTY),
}
