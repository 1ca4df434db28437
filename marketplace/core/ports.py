"""Ports: what a lower domain asks of a higher one, when the layers run the other way.

`core < accounts < catalog < pricing < orders < …` import one way. When a lower domain needs an answer only a
higher one has (the catalog asks pricing whether a price may sell; pricing asks orders what was sold), the lower
domain declares a Port beside a Protocol saying what it asks, and the higher domain installs its answer when the
app is made (`create_app`). Asking before then raises, so a page never reads "nothing" because a piece of the app
was left out.
"""

from flask import current_app


class Port:
    def __init__(self, name):
        self.name = name
        self._key = f"marketplace.port.{name}"

    def install(self, app, answer):
        """Make `answer` what this port gives in `app` (called once, while the app is made)."""
        app.extensions[self._key] = answer

    def get(self):
        answer = current_app.extensions.get(self._key)
        if answer is None:
            raise RuntimeError(f"No {self.name} installed: create the app with marketplace.create_app.")
        return answer
