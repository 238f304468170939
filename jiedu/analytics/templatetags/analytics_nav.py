"""`{% load analytics_nav %}{% if user|sees_analytics %}`: whether the navigation shows the
dashboards' link. The grants are cached on the user for the request, so it costs no query."""

from django import template

from jiedu.core.permissions import grants_for

register = template.Library()


@register.filter
def sees_analytics(user) -> bool:
    return bool(
        user and user.is_authenticated and grants_for(user).has_anywhere("analytics.view_indicator")
    )
