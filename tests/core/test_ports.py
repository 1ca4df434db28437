"""A port gives what the higher domain installed, or says nothing was installed."""

import pytest
from flask import Flask

from marketplace.core.ports import Port


def test_a_port_gives_what_was_installed_in_its_app():
    port = Port("test answers")
    app = Flask("bare")
    answer = object()
    port.install(app, answer)
    with app.app_context():
        assert port.get() is answer
    with Flask("other").app_context(), pytest.raises(RuntimeError, match="No test answers installed"):
        port.get()
