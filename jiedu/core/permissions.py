"""The permission engine: which user may do what, over which part of the org tree.

A user acts only through memberships (user, org unit, role); a role is a named set of permission
codenames; a membership covers its unit and every unit below it. `restrict(queryset, user, perm)`
is the one scoping primitive: every list, search, detail and API handler for people's data starts
from it, and a user with no matching grant gets an empty queryset.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

# Codename -> label. Codenames follow `<app>.<action>_<model>`.
PERMISSIONS: dict[str, str] = {
    "people.view_person": _("查看人员档案"),
    "people.add_person": _("新建人员档案"),
    "people.change_person": _("修改人员档案"),
    "people.merge_person": _("合并重复档案"),
    "people.export_person": _("导出人员信息"),
    "people.view_health": _("查看健康信息（HIV、肝炎、结核、梅毒、精神疾病）"),
    "people.change_health": _("修改健康信息"),
    "people.view_full_id_number": _("查看完整证件号码"),
    "orgs.view_orgunit": _("查看组织机构"),
    "orgs.manage_orgunit": _("管理组织机构"),
    "accounts.manage_user": _("管理用户与岗位"),
    "accounts.manage_token": _("管理API令牌"),
    "core.view_audit": _("查看审计日志"),
    "core.manage_rules": _("维护本地规则配置（报到期限、通知天数等）"),
    "measures.view_measure": _("查看戒毒措施及其期限"),
    "measures.decide_measure": _("作出戒毒措施决定"),
    "measures.execute_measure": _("执行戒毒措施（报到、中止、恢复、解除、通知送达）"),
    "facilities.view_admission": _("查看所内管理记录"),
    "facilities.manage_admission": _("所内管理：入所、分区、外出探视、单独管理、脱逃、出所"),
    "facilities.approve_admission": _("所领导审批：单独管理、外出探视、所外就医"),
    "facilities.manage_facility": _("维护戒毒所床位与警力"),
    "centres.view_record": _("查看五中心记录（医疗、教育、心理、康复训练、行为考核）"),
    "centres.manage_record": _("录入五中心记录"),
    "centres.view_health": _("查看所内传染病筛查、疾病与残疾记录"),
    "centres.manage_health": _("录入所内传染病筛查、疾病与残疾记录"),
    "centres.approve_points": _("审批月度行为考核"),
    "centres.manage_instrument": _("维护心理测评量表"),
    "evaluations.view_evaluation": _("查看诊断评估"),
    "evaluations.conduct_evaluation": _("开展诊断评估"),
    "evaluations.approve_evaluation": _("所务会审议诊断评估意见"),
    "evaluations.view_proposal": _("查看提前解除、延长戒毒期限意见"),
    "evaluations.decide_proposal": _("决定机关审批提前解除、延长戒毒期限"),
    "community.view_case": _("查看社区戒毒（康复）个案"),
    "community.manage_case": _("办理社区个案：协议、小组、检测、谈话走访、离开记录、签到复核"),
    "community.approve_leave": _("审批请假、指派专干、变更执行地"),
    "community.refer_case": _("向公安机关移交（拒绝、阳性、严重违反协议）"),
    "community.decide_referral": _("公安机关对移交作出处理决定"),
    "community.manage_portal": _("开通本人端账号、设置初始密码、采集比对照片"),
    "aftercare.view_followup": _("查看后续照管：回访与帮扶记录"),
    "aftercare.manage_followup": _("办理后续照管：回访计划、回访、帮扶"),
    "analytics.view_indicator": _("查看统计指标和驾驶舱（本辖区）"),
    "imports.import_record": _("批量导入人员档案和戒毒措施"),
}


def validate_codenames(codenames) -> list[str]:
    unknown = sorted(set(codenames) - PERMISSIONS.keys())
    if unknown:
        raise ValueError(f"Unknown permission codenames: {', '.join(unknown)}")
    return sorted(set(codenames))


class Grants:
    """A user's grants, loaded once per request: permission -> unit paths it covers."""

    def __init__(self, user):
        self.user = user
        self.superuser = bool(user and user.is_active and user.is_superuser)
        self._paths: dict[str, list[str]] = {}
        if user is None or not user.is_authenticated or not user.is_active or self.superuser:
            return
        from jiedu.accounts.models import Membership

        rows = (
            Membership.objects.filter(user=user, is_active=True, org_unit__is_active=True)
            .select_related("role", "org_unit")
            .only("role__permissions", "org_unit__path")
        )
        for m in rows:
            for perm in m.role.permissions:
                self._paths.setdefault(perm, []).append(m.org_unit.path)
        for perm, paths in self._paths.items():
            self._paths[perm] = _minimal_prefixes(paths)

    def paths(self, perm: str) -> list[str] | None:
        """Unit paths covered by `perm`; None means everywhere (superuser)."""
        if self.superuser:
            return None
        return self._paths.get(perm, [])

    def has_anywhere(self, perm: str) -> bool:
        return self.superuser or bool(self._paths.get(perm))

    def covers(self, perm: str, unit_path: str | None) -> bool:
        if self.superuser:
            return True
        if unit_path is None:
            return False
        return any(unit_path.startswith(p) for p in self._paths.get(perm, []))


def _minimal_prefixes(paths: list[str]) -> list[str]:
    """Drop paths already covered by an ancestor path in the list."""
    kept: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept


def grants_for(user) -> Grants:
    """Grants of `user`, cached on the user object for the request's lifetime."""
    if user is None:
        return Grants(None)
    cached = getattr(user, "_jiedu_grants", None)
    if cached is None:
        cached = Grants(user)
        user._jiedu_grants = cached
    return cached


def has_perm(user, perm: str, unit=None) -> bool:
    """Whether `user` holds `perm` at `unit` (or anywhere, when `unit` is None)."""
    grants = grants_for(user)
    if unit is None:
        return grants.has_anywhere(perm)
    return grants.covers(perm, unit.path)


def scope_q(user, perm: str, unit_path_lookup: str | tuple[str, ...]) -> Q | None:
    """A Q selecting rows whose unit path lies under a granted unit; None = no restriction.

    `unit_path_lookup` may name several units (a tuple): a row is in scope when any of them is —
    e.g. a person is seen by the unit that manages the file and by the unit executing a measure.
    """
    paths = grants_for(user).paths(perm)
    if paths is None:
        return None
    lookups = (unit_path_lookup,) if isinstance(unit_path_lookup, str) else unit_path_lookup
    q = Q(pk__in=[])
    for lookup in lookups:
        for p in paths:
            q |= Q(**{f"{lookup}__startswith": p})
    return q


def has_perm_any(user, perm: str, units) -> bool:
    """Whether `user` holds `perm` at any of `units` (None entries ignored)."""
    grants = grants_for(user)
    return any(grants.covers(perm, u.path) for u in units if u is not None)


class RestrictedQuerySet(QuerySet):
    """QuerySet with `restrict(user, action)`; the model names the path to its org unit."""

    def restrict(self, user, action: str = "view"):
        model = self.model
        # Child records share their parent's permission (e.g. a phone is scoped as its person).
        noun = getattr(model, "scope_permission_noun", model._meta.model_name)
        # ... possibly of another app (a portal check-in is scoped as its community case).
        app = getattr(model, "scope_permission_app", model._meta.app_label)
        perm = f"{app}.{action}_{noun}"
        if perm not in PERMISSIONS:
            raise ValueError(f"No permission {perm} is defined")
        lookup = model.scope_unit_path  # e.g. "managing_unit__path", "path", or a tuple of them
        q = scope_q(user, perm, lookup)
        if q is None:
            return self.all()
        return self.filter(q)
