"""Where uploaded files live: a small interface, local disk by default (an S3 backend can implement it later)."""

import contextlib
import os
import secrets
from pathlib import Path

from flask import current_app

from marketplace.core.transaction import after_commit, after_rollback


class LocalStorage:
    """Files under a folder (instance/uploads by default), addressed by opaque keys like 'listing/ab/cdef.webp'."""

    def __init__(self, root):
        self.root = Path(root)

    def new_key(self, prefix, extension):
        token = secrets.token_hex(16)
        return f"{prefix}/{token[:2]}/{token[2:]}.{extension}"

    def _path(self, key):
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("key outside the storage root")
        return path

    def save(self, key, data):
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # readers never see a half-written file

    def open(self, key):
        return self._path(key).open("rb")

    def exists(self, key):
        try:
            return self._path(key).is_file()
        except ValueError:
            return False

    def delete(self, key):
        with contextlib.suppress(ValueError):
            self._path(key).unlink(missing_ok=True)

    def full_path(self, key):
        return self._path(key)


def get_storage():
    """The configured storage of the current app."""
    storage = current_app.extensions.get("storage")
    if storage is None:
        storage = LocalStorage(current_app.config["UPLOAD_ROOT"])
        current_app.extensions["storage"] = storage
    return storage


# Files follow the database transaction that refers to them: a file saved for a change that rolls
# back is removed, and a file is deleted only once the change that drops it has committed.


def save_in_transaction(key, data):
    """Save now; remove again if the current transaction rolls back."""
    storage = get_storage()
    storage.save(key, data)
    after_rollback(lambda: storage.delete(key))


def delete_after_commit(key):
    """Delete once the current transaction has committed (never for a change that rolls back)."""
    storage = get_storage()
    after_commit(lambda: storage.delete(key))
