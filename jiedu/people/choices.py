from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    """GB/T 2261.1 sex codes 1 (male), 2 (female), 0 (unknown)."""

    MALE = "male", _("男")
    FEMALE = "female", _("女")
    UNKNOWN = "unknown", _("未知")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO_PERMIT = "hk_macao_permit", _("港澳居民来往内地通行证")
    TAIWAN_PERMIT = "taiwan_permit", _("台湾居民来往大陆通行证")
    FOREIGN_PERMANENT = "foreign_permanent", _("外国人永久居留身份证")
    NONE = "none", _("无证件")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("在档")
    MERGED = "merged", _("已合并")


class AliasKind(models.TextChoices):
    ALIAS = "alias", _("别名")
    NICKNAME = "nickname", _("绰号")
    FORMER_NAME = "former_name", _("曾用名")


class TestStatus(models.TextChoices):
    UNKNOWN = "unknown", _("未检测")
    NEGATIVE = "negative", _("阴性")
    POSITIVE = "positive", _("阳性")


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("配偶")
    PARENT = "parent", _("父母")
    CHILD = "child", _("子女")
    SIBLING = "sibling", _("兄弟姐妹")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    OTHER_RELATIVE = "other_relative", _("其他亲属")
    GUARDIAN = "guardian", _("监护人")
    OTHER = "other", _("其他")


# 中国各民族名称的罗马字母拼写法和代码 (GB/T 3304-1991): code -> name.
ETHNICITIES = [
    ("01", "汉族"), ("02", "蒙古族"), ("03", "回族"), ("04", "藏族"), ("05", "维吾尔族"),
    ("06", "苗族"), ("07", "彝族"), ("08", "壮族"), ("09", "布依族"), ("10", "朝鲜族"),
    ("11", "满族"), ("12", "侗族"), ("13", "瑶族"), ("14", "白族"), ("15", "土家族"),
    ("16", "哈尼族"), ("17", "哈萨克族"), ("18", "傣族"), ("19", "黎族"), ("20", "傈僳族"),
    ("21", "佤族"), ("22", "畲族"), ("23", "高山族"), ("24", "拉祜族"), ("25", "水族"),
    ("26", "东乡族"), ("27", "纳西族"), ("28", "景颇族"), ("29", "柯尔克孜族"), ("30", "土族"),
    ("31", "达斡尔族"), ("32", "仫佬族"), ("33", "羌族"), ("34", "布朗族"), ("35", "撒拉族"),
    ("36", "毛南族"), ("37", "仡佬族"), ("38", "锡伯族"), ("39", "阿昌族"), ("40", "普米族"),
    ("41", "塔吉克族"), ("42", "怒族"), ("43", "乌孜别克族"), ("44", "俄罗斯族"),
    ("45", "鄂温克族"), ("46", "德昂族"), ("47", "保安族"), ("48", "裕固族"), ("49", "京族"),
    ("50", "塔塔尔族"), ("51", "独龙族"), ("52", "鄂伦春族"), ("53", "赫哲族"), ("54", "门巴族"),
    ("55", "珞巴族"), ("56", "基诺族"), ("97", "其他"), ("98", "外国血统中国籍人士"),
]  # fmt: skip
