"""Files that hold secrets (the demo tokens, their digests, the stack's Fernet key), written
so that no other user can read them at any moment.

Writing a file and then chmodding it leaves a window in which the file has the umask's
mode (often 0644): another local user can open it then and keep reading through that
descriptor. Here the file is created 0600 by the call that creates it (`tempfile.mkstemp`:
O_CREAT|O_EXCL, mode 0600, whatever the umask), filled, synced, and only then put in place
by a rename (replace) or a hard link (create once: the first writer wins), so the path
never names a partial file or one with a wider mode. (Not named secrets.py: that would
shadow the standard library's `secrets` for a script run from this folder.)
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

from cryptography.fernet import Fernet

SECRET_KEY_ENV = "PROMOFLOW_SECRET_KEY"
SECRET_KEY_FILE = "secret.key"
SESSION_SECRET_ENV = "PROMOFLOW_SESSION_SECRET"
SESSION_SECRET_FILE = "session.secret"


class SecretFileError(RuntimeError):
    """A secrets file exists but does not hold what it should."""


@contextlib.contextmanager
def _private_temp(path: Path, text: str) -> Iterator[str]:
    """A 0600 temporary file beside `path` holding `text`, removed afterwards if still there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        yield tmp
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` (mode 0600 from its creation), replacing it atomically."""
    with _private_temp(path, text) as tmp:
        os.replace(tmp, path)


def create_private(path: Path, text: str) -> bool:
    """Create `path` (0600) holding `text` unless it exists; True when this call created it.
    Two processes racing: exactly one creates it, and neither sees it half written."""
    with _private_temp(path, text) as tmp:
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    return True


def ensure_token(path: Path, nbytes: int = 32) -> str:
    """A random token (`secrets.token_urlsafe(nbytes)`) kept in `path`, generated and stored
    0600 on first use, the same on every later run (the web app's session secret)."""
    if not path.exists():
        create_private(path, secrets.token_urlsafe(nbytes) + "\n")
    token = path.read_text(encoding="utf-8").strip()
    if len(token) < 32:
        raise SecretFileError(f"{path} holds no usable token (fewer than 32 characters); delete it to get a new one")
    return token


def ensure_secret(path: Path) -> str:
    """The Fernet key kept in `path`, generated (`Fernet.generate_key()`) and stored 0600 on
    first use. A Fernet key is 32 random bytes (urlsafe base64), so the same call serves any
    later secret of the stack (a session secret: another file). A file that holds something
    else is an error, never overwritten: what was encrypted with the old key would be lost."""
    if not path.exists():
        create_private(path, Fernet.generate_key().decode() + "\n")
    key = path.read_text(encoding="utf-8").strip()
    try:
        Fernet(key)
    except ValueError as err:
        raise SecretFileError(f"{path} does not hold a Fernet key ({err}); set {SECRET_KEY_ENV} "
                              f"or restore the file (delete it only if nothing was encrypted with it)") from err
    return key
