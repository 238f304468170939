"""Photos: re-encoded without metadata, served only through scope, each view logged."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from jiedu.core.models import AccessLogEntry
from jiedu.testing.cast import make_person


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png_with_exif() -> bytes:
    image = Image.new("RGB", (2400, 1600), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SyntheticCam"  # Make
    out = io.BytesIO()
    image.save(out, format="PNG", exif=exif)
    return out.getvalue()


def test_an_uploaded_photo_is_reencoded_without_metadata_and_shown_only_in_scope(cast, client):
    person = make_person(cast.worker_a, cast.county_a, "孙八")
    client.force_login(cast.worker_a)
    upload = SimpleUploadedFile("孙八-家.png", png_with_exif(), content_type="image/png")
    response = client.post(reverse("people:photo_upload", args=[person.uuid]), {"photo": upload})
    assert response.status_code == 302
    person.refresh_from_db()
    assert "孙八" not in person.photo.name
    with Image.open(person.photo.path) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == 1200
        assert not stored.getexif()
    photo = client.get(reverse("people:photo", args=[person.uuid]))
    assert photo.status_code == 200 and photo["Cache-Control"] == "private, no-store"
    assert AccessLogEntry.objects.filter(action="view_photo", person_pk=person.pk).exists()
    client.force_login(cast.outsider)
    assert client.get(reverse("people:photo", args=[person.uuid])).status_code == 404


def test_a_file_that_is_not_an_image_is_refused_with_a_message(cast, client):
    person = make_person(cast.worker_a, cast.county_a, "孙八")
    client.force_login(cast.worker_a)
    upload = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(
        reverse("people:photo_upload", args=[person.uuid]), {"photo": upload}, follow=True
    )
    person.refresh_from_db()
    assert not person.photo
    assert any(m.level_tag == "error" for m in response.context["messages"])
