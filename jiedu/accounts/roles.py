"""The roles every installation starts with. Administrators may add others."""

from django.utils.translation import gettext_noop as _

_VIEW = ["people.view_person", "orgs.view_orgunit"]
_EDIT = [*_VIEW, "people.add_person", "people.change_person"]
_MEASURES = ["measures.view_measure", "measures.execute_measure"]
_FACILITY = [*_MEASURES, "facilities.view_admission", "facilities.manage_admission"]
_COMMUNITY = [
    "community.view_case",
    "community.manage_case",
    "community.refer_case",
    "community.manage_portal",
]
_AFTERCARE = ["aftercare.view_followup", "aftercare.manage_followup"]
_CENTRES = [
    "centres.view_record",
    "centres.manage_record",
    "evaluations.view_evaluation",
    "evaluations.conduct_evaluation",
    "evaluations.view_proposal",
]

DEFAULT_ROLES = [
    {
        "code": "facility_officer",
        "name": _("所内民警"),
        "description": _("强制隔离戒毒所民警：入所登记、日常管理"),
        "permissions": [
            *_EDIT,
            *_FACILITY,
            *_CENTRES,
            "people.view_full_id_number",
            "aftercare.view_followup",
        ],
    },
    {
        "code": "facility_leader",
        "name": _("所领导"),
        "description": _("戒毒所领导：审批、合并档案、导出"),
        "permissions": [
            *_EDIT,
            *_FACILITY,
            *_CENTRES,
            "facilities.approve_admission",
            "centres.approve_points",
            "centres.manage_instrument",
            "evaluations.approve_evaluation",
            "facilities.manage_facility",
            "people.view_full_id_number",
            "people.merge_person",
            "people.export_person",
            "aftercare.view_followup",
            "analytics.view_indicator",
        ],
    },
    {
        "code": "medical_officer",
        "name": _("所内医生"),
        "description": _("戒毒医疗中心医生：可查看和修改健康信息"),
        "permissions": [
            *_VIEW,
            "people.view_health",
            "people.change_health",
            "measures.view_measure",
            "facilities.view_admission",
            "centres.view_record",
            "centres.manage_record",
            "centres.view_health",
            "centres.manage_health",
            "evaluations.view_evaluation",
        ],
    },
    {
        "code": "community_worker",
        "name": _("禁毒专干"),
        "description": _("乡镇（街道）禁毒专干、社工：社区戒毒社区康复个案"),
        "permissions": [*_EDIT, *_MEASURES, *_COMMUNITY, *_AFTERCARE, "analytics.view_indicator"],
    },
    {
        "code": "township_supervisor",
        "name": _("禁毒办负责人"),
        "description": _("乡镇（街道）或上级禁毒办负责人：督导辖区工作，合并重复档案"),
        "permissions": [
            *_EDIT,
            *_MEASURES,
            *_COMMUNITY,
            *_AFTERCARE,
            "community.approve_leave",
            "people.view_full_id_number",
            "people.merge_person",
            "people.export_person",
            "analytics.view_indicator",
            "imports.import_record",
        ],
    },
    {
        "code": "deciding_officer",
        "name": _("决定机关民警"),
        "description": _("公安机关禁毒部门：作出戒毒措施决定"),
        "permissions": [
            *_EDIT,
            *_MEASURES,
            "measures.decide_measure",
            "evaluations.view_proposal",
            "evaluations.decide_proposal",
            "community.view_case",
            "community.decide_referral",
            "people.view_full_id_number",
            "aftercare.view_followup",
            "analytics.view_indicator",
            "imports.import_record",
        ],
    },
    {
        "code": "bureau_analyst",
        "name": _("统计分析员"),
        "description": _("戒毒管理局、禁毒办统计人员：查看与导出"),
        "permissions": [
            *_VIEW,
            "people.export_person",
            "measures.view_measure",
            "facilities.view_admission",
            "community.view_case",
            "aftercare.view_followup",
            "evaluations.view_evaluation",
            "analytics.view_indicator",
            "imports.import_record",
        ],
    },
    {
        "code": "auditor",
        "name": _("审计员"),
        "description": _("查看谁查看或修改了哪些档案"),
        "permissions": [
            *_VIEW,
            "core.view_audit",
            "measures.view_measure",
            "facilities.view_admission",
            "community.view_case",
            "aftercare.view_followup",
        ],
    },
    {
        "code": "system_admin",
        "name": _("系统管理员"),
        "description": _("管理组织机构、用户、岗位、API令牌和本地规则配置；不含人员档案查看权"),
        "permissions": [
            "orgs.view_orgunit",
            "orgs.manage_orgunit",
            "accounts.manage_user",
            "accounts.manage_token",
            "core.view_audit",
            "core.manage_rules",
            "centres.manage_instrument",
        ],
    },
]
