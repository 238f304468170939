"""Timeline events of a person: codes, how they read, and the one helper that writes them."""

from django.utils.translation import gettext_lazy as _

from jiedu.core import context

from .models import Person, PersonEvent

EVENT_TEXT = {
    "people.person.created": _("建立档案"),
    "people.person.updated": _("修改档案：%(fields)s"),
    "people.person.merged": _("合并重复档案“%(other_name)s”（%(other_uuid)s）至本档案"),
    "people.person.merged_away": _("本档案与“%(other_name)s”为同一人，已合并至该档案"),
    "people.health.updated": _("更新健康信息"),
    "people.person.unit_changed": _("管理单位由 %(old)s 变更为 %(new)s"),
}


def register_events(texts: dict) -> None:
    """Other apps add their event codes and texts here (from their AppConfig.ready)."""
    clash = set(texts) & set(EVENT_TEXT)
    if clash and any(EVENT_TEXT[c] is not texts[c] for c in clash):
        raise ValueError(f"Event codes registered twice: {sorted(clash)}")
    EVENT_TEXT.update(texts)


def record_event(person: Person, code: str, *, actor=None, org_unit=None, **data) -> PersonEvent:
    if code not in EVENT_TEXT:
        raise ValueError(f"Unknown event code {code}")
    actor = actor if actor is not None else context.current_actor()
    return PersonEvent.objects.create(
        person=person,
        code=code,
        actor_name=str(actor) if actor is not None else "system",
        org_unit=org_unit,
        data=data,
    )


def event_text(event: PersonEvent) -> str:
    template = EVENT_TEXT.get(event.code)
    if template is None:
        return event.code
    try:
        return str(template) % event.data
    except (KeyError, TypeError, ValueError):
        return str(template)
