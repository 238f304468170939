import json
from jiedu.accounts.services import issue_token
from jiedu.testing.cast import make_person


def test_probe(cast, client):
    p = make_person(cast.worker_a, cast.county_a)
    _, raw = issue_token(actor=cast.worker_a, user=cast.worker_a)
    h = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    def show(r):
        print(r.status_code, r.get("Content-Type"), r.content.decode()[:300])
    show(client.get("/api/v1/persons/not-a-uuid", **h))
    show(client.get("/api/v1/persons/12345678-1234-1234-1234-123456789012", **h))
    show(client.get("/api/v1/nowhere", **h))
    show(client.post("/api/v1/persons", data="{bad json", content_type="application/json", **h))
    show(client.post("/api/v1/persons", data="[]", content_type="application/json", **h))
    show(client.post("/api/v1/persons", data="null", content_type="application/json", **h))
    show(client.post("/api/v1/persons", data="x=1", content_type="application/x-www-form-urlencoded", **h))
    show(client.post("/api/v1/persons", data=json.dumps({"name": 5}), content_type="application/json", **h))
    show(client.get("/api/v1/persons?limit=0", **h))
    show(client.get("/api/v1/persons?limit=abc", **h))
    show(client.get("/api/v1/persons?q=%00", **h))
    show(client.put(f"/api/v1/persons/{p.uuid}", data="{}", content_type="application/json", **h))
    show(client.patch(f"/api/v1/persons/{p.uuid}", data=json.dumps({"name": "a\ud800"}), content_type="application/json", **h))
    show(client.patch(f"/api/v1/persons/{p.uuid}", data='{"name": "a\\ud800"}', content_type="application/json", **h))
    show(client.patch(f"/api/v1/persons/{p.uuid}", data='{"aliases": 1}', content_type="application/json", **h))
    show(client.get("/api/v1/persons", HTTP_AUTHORIZATION="Bearer nope"))
    show(client.get("/api/v1/persons"))
    show(client.get("/api/v1/openapi.json"))
