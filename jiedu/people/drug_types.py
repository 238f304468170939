"""The initial list of drug types (毒品种类); administrators maintain it afterwards."""

# (code, Chinese name, English name, category, controlled since)
DEFAULT_DRUG_TYPES = [
    ("heroin", "海洛因", "Heroin", "阿片类", None),
    ("opium", "鸦片", "Opium", "阿片类", None),
    ("morphine", "吗啡", "Morphine", "阿片类", None),
    ("methamphetamine", "甲基苯丙胺（冰毒）", "Methamphetamine", "苯丙胺类", None),
    ("meth_tablet", "甲基苯丙胺片剂（麻古）", "Methamphetamine tablets", "苯丙胺类", None),
    ("mdma", "MDMA（摇头丸）", "MDMA (ecstasy)", "苯丙胺类", None),
    ("ketamine", "氯胺酮（K粉）", "Ketamine", "氯胺酮类", None),
    ("cannabis", "大麻", "Cannabis", "大麻类", None),
    ("cocaine", "可卡因", "Cocaine", "可卡因类", None),
    ("nitrous_oxide", "笑气（一氧化二氮）", "Nitrous oxide", "其他", None),
    (
        "synthetic_cannabinoids",
        "合成大麻素类",
        "Synthetic cannabinoids",
        "新精神活性物质",
        "2021-07-01",
    ),
    ("etomidate", "依托咪酯", "Etomidate", "其他", "2023-10-01"),
    ("methcathinone", "甲卡西酮（浴盐）", "Methcathinone", "新精神活性物质", None),
    ("tramadol", "曲马多", "Tramadol", "精神药品", None),
    ("codeine_syrup", "含可待因止咳水", "Codeine cough syrup", "精神药品", None),
    ("other", "其他", "Other", "其他", None),
]
