"""Flash messages are plain text: whatever a user typed into an interpolated value is escaped.

The lazy strings of flask-babel carry `__html__`, so a flash of `_l("… %(name)s", name=…)` used to
reach the page as raw markup (a colleague's name, a company's name, a product type's name).
"""

import ast
import re
from pathlib import Path

from flask import session

from marketplace.core.flashing import flash
from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2] / "marketplace"
HOSTILE = '<b id="hostile">x</b><meta http-equiv="refresh" content="0;url=https://evil.example">'
ESCAPED = "&lt;b id=&#34;hostile&#34;&gt;x&lt;/b&gt;"
TRANSLATORS = {"_", "_l", "gettext", "lazy_gettext"}


def _sources():
    for path in sorted(ROOT.rglob("*.py")):
        yield path, ast.parse(path.read_text(), filename=str(path))


def _call_name(node):
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _interpolating_messages():
    """Every translatable string of the code base that takes values: the text of any flash or error."""
    found = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and _call_name(node) in TRANSLATORS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and node.keywords
            ):
                found.append((f"{path.name}:{node.lineno}", node.args[0].value, [k.arg for k in node.keywords]))
    return found


def _hostile_value(text, name):
    # Numbers (%(max)d) cannot carry markup; every text placeholder gets the hostile value.
    return 7 if re.search(rf"%\({name}\)d", text) else HOSTILE


def test_the_code_base_has_interpolating_messages_to_check():
    # The sweep below must see the flashes the security review named (stock, members, invitation, prices).
    texts = {text for _, text, _ in _interpolating_messages()}
    assert "Stock of %(title)s saved." in texts
    assert "%(name)s can no longer sign in." in texts
    assert "Welcome to %(name)s. Sign in with your new password." in texts
    assert "The new prices for %(name)s are published." in texts


def test_only_the_core_wrapper_calls_flasks_flash():
    offenders = []
    for path, tree in _sources():
        if path.name == "flashing.py":
            continue
        for node in ast.walk(tree):
            imported = node.names if isinstance(node, ast.ImportFrom) and node.module == "flask" else []
            if any(alias.name in ("flash", "get_flashed_messages") for alias in imported):
                offenders.append(f"{path}:{node.lineno}")
            if isinstance(node, ast.Attribute) and node.attr == "flash" and getattr(node.value, "id", "") == "flask":
                offenders.append(f"{path}:{node.lineno}")
    assert offenders == []


def test_every_interpolating_message_is_shown_escaped(app, client, world):
    from flask_babel import lazy_gettext

    messages = _interpolating_messages()
    with app.test_request_context("/"):
        for _where, text, names in messages:
            flash(lazy_gettext(text, **{name: _hostile_value(text, name) for name in names}), "danger")
        queued = list(session["_flashes"])
    assert len(queued) == len(messages)
    assert all(type(message) is str for _, message in queued)

    login(client, world.buyer)
    with client.session_transaction() as stored:
        stored["_flashes"] = queued
    page = client.get("/account/profile").get_data(as_text=True)
    assert 'id="hostile"' not in page
    assert "<meta http-equiv" not in page
    with_text = [m for m in messages if any(_hostile_value(m[1], n) == HOSTILE for n in m[2])]
    assert page.count(ESCAPED) >= len(with_text) > 10


def test_markup_that_bypassed_the_wrapper_is_still_escaped(client, world):
    from markupsafe import Markup

    login(client, world.buyer)
    with client.session_transaction() as stored:
        stored["_flashes"] = [("info", Markup(HOSTILE))]  # noqa: S704 (markup in the session is the point)
    page = client.get("/account/profile").get_data(as_text=True)
    assert 'id="hostile"' not in page
    assert ESCAPED in page


def test_removed_colleagues_markup_name_is_escaped_for_the_owner(client, world, db):
    world.buyer_colleague.full_name = HOSTILE
    db.session.commit()
    login(client, world.buyer)
    response = client.post(f"/account/members/{world.buyer_colleague.id}/remove", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert 'id="hostile"' not in page
    assert ESCAPED in page
