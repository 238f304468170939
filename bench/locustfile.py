"""Load for bench/checkins.py: the phone's check-in POST, and the same request to the bare endpoint.

Run by bench/checkins.py (headless, one process, no wait between requests), never by hand:

    BENCH_SESSIONS=sessions.json BENCH_PHOTO=photo.jpg \
        locust -f bench/locustfile.py --headless CheckInUser ...

`BENCH_SESSIONS` is a JSON list of portal sessions ({"sessionid", "csrftoken"}) signed in before
the run, one per simulated phone, so that no user shares a community case with another (a
check-in locks its case). Every request sends a fresh `client_id`: each one is a new check-in.
"""

from __future__ import annotations

import itertools
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from locust import FastHttpUser, constant, task

_SESSIONS = json.loads(Path(os.environ["BENCH_SESSIONS"]).read_text(encoding="utf-8"))
_PHOTO = Path(os.environ["BENCH_PHOTO"]).read_bytes()
_PHOTO_TYPE = os.environ.get("BENCH_PHOTO_TYPE", "image/jpeg")
_next_session = itertools.count()


def multipart(fields: dict[str, str], photo: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body as the phone's browser sends it: the fields, then the photo."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    head = "".join(parts).encode()
    photo_head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; '
        f'filename="checkin.jpg"\r\nContent-Type: {_PHOTO_TYPE}\r\n\r\n'
    ).encode()
    body = head + photo_head + photo + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class _Phone(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    path = ""

    def on_start(self):
        session = _SESSIONS[next(_next_session) % len(_SESSIONS)]
        self.headers = {
            "Cookie": f"sessionid={session['sessionid']}; csrftoken={session['csrftoken']}",
            "X-CSRFToken": session["csrftoken"],
        }

    @task
    def post(self):
        body, content_type = multipart(
            {
                "client_id": str(uuid.uuid4()),
                "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "latitude": "30.5",
                "longitude": "114.3",
                "accuracy_m": "12",
            },
            _PHOTO,
        )
        with self.client.post(
            self.path,
            data=body,
            headers={**self.headers, "Content-Type": content_type},
            name=self.path,
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")


class CheckInUser(_Phone):
    """The check-in API (portal session + CSRF)."""

    path = "/api/v1/checkins"


class BareUser(_Phone):
    """The bare endpoint: the same request, one insert."""

    path = "/bench/bare/"
