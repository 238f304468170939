"""Background tasks of the person portal (Django's task API; `manage.py db_worker` runs them)."""

from django_tasks import task

from . import services


@task()
def verify_checkin(checkin_id: int) -> str | None:
    """人脸比对: compare a pending check-in's photo with the enrolled face
    (`services.verify_checkin`). Enqueued in the check-in's own transaction, so every pending
    check-in has its task."""
    return services.verify_checkin(checkin_id)
