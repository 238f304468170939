"""Timeline events of the person portal (codes `checkins.<model>.<past_tense>`). Daily check-ins
are not timeline events (one a day would drown the rest); what the worker did about them is."""

from django.utils.translation import gettext_lazy as _

EVENT_TEXT = {
    "checkins.account.opened": _("开通本人端账号（手机号%(phone)s）"),
    "checkins.account.password_reset": _("重置本人端登录密码"),
    "checkins.face.enrolled": _("%(on)s采集人脸比对照片"),
    "checkins.checkin.reviewed": _("%(on)s的签到经人工复核：%(outcome)s"),
}


def register() -> None:
    """Add the texts to the timeline (idempotent: the same objects may register twice)."""
    from jiedu.people.events import register_events

    register_events(EVENT_TEXT)
