"""Pages load what they show in a fixed number of queries, whatever the number of rows."""

import pytest

from tests import factories
from tests.conftest import login
from tests.helpers import QueryCounter


def queries_for(client, url):
    with QueryCounter() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def grow_world(db, world, n):
    for i in range(n):
        sentra = factories.make_sentra()
        factories.make_ikm(sentra)
        factories.make_ikm(world.jombang, status="pending")
        factories.make_user("coordinator", sentra=sentra)
        factories.make_user("buyer", organization=world.buyer_org, is_owner=False, full_name=f"Rekan {i}")
    db.session.commit()


@pytest.mark.parametrize(
    ("who", "url"),
    [
        (None, "/"),
        ("coordinator", "/coordinator/"),
        ("admin", "/admin/sentras"),
        ("admin", "/admin/staff"),
        ("buyer", "/account/members"),
    ],
)
def test_query_count_does_not_grow_with_rows(client, db, world, who, url):
    if who:
        login(client, getattr(world, who))
    grow_world(db, world, 3)
    few = queries_for(client, url)
    grow_world(db, world, 15)
    many = queries_for(client, url)
    assert many == few
