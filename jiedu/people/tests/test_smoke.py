from jiedu.core.models import ChangeLogEntry
from jiedu.people.models import Person
from jiedu.testing.cast import make_person


def test_smoke(cast, client):
    p = make_person(cast.worker_a, cast.county_a)
    assert Person.objects.restrict(cast.worker_a).filter(pk=p.pk).exists()
    assert not Person.objects.restrict(cast.outsider).filter(pk=p.pk).exists()
    assert Person.objects.restrict(cast.supervisor).filter(pk=p.pk).exists()
    assert ChangeLogEntry.objects.filter(person_pk=p.pk).count() >= 1
    client.force_login(cast.worker_a)
    r = client.get("/people/?q=zs")
    assert p.name in r.content.decode()
    r = client.get(f"/people/{p.uuid}/")
    assert r.status_code == 200, r.content.decode()[:3000]
    client.force_login(cast.outsider)
    assert client.get(f"/people/{p.uuid}/").status_code == 404
    assert client.get("/").status_code == 200
    r = client.get("/people/new/")
    assert r.status_code == 200
