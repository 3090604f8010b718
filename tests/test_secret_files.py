"""stack/secret_files.py and the files written with it (demo tokens, their digests, the
Fernet key of `make run`): 0600 from the moment they exist, replaced atomically.

"From the moment they exist" is checked by taking away what a write-then-chmod relies on:
with a umask of 0 and every chmod turned into a no-op, a file created with the default
mode would be 0666 (readable by everyone); ours must still be 0600.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from stack.secret_files import SecretFileError, create_private, ensure_secret, ensure_token, write_private
from stack.tokens import DEMO_PRINCIPALS, ensure_tokens


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def no_chmod_and_open_umask(monkeypatch):
    """umask 0 and chmod / fchmod doing nothing: only the creating call can make a file private."""
    for module, name in ((os, "chmod"), (os, "fchmod"), (os, "lchmod"), (Path, "chmod")):
        if hasattr(module, name):
            monkeypatch.setattr(module, name, lambda *a, **k: None)
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_tokens_and_digests_are_created_0600(tmp_path, no_chmod_and_open_umask):
    clear, digests = tmp_path / "data" / "tokens.json", tmp_path / "data" / "tokens.sha256.json"
    entries = ensure_tokens(clear, digests)
    assert {e["name"] for e in entries} == {p["name"] for p in DEMO_PRINCIPALS}
    assert _mode(clear) == 0o600, oct(_mode(clear))
    assert _mode(digests) == 0o600, oct(_mode(digests))
    assert not _leftovers(clear.parent)


def test_an_old_world_readable_tokens_file_is_replaced_by_a_private_one(tmp_path, no_chmod_and_open_umask):
    clear = tmp_path / "tokens.json"
    kept = {"token": "kept-token", **DEMO_PRINCIPALS[0]}
    clear.write_text(json.dumps([kept]))
    clear_inode = clear.stat().st_ino
    assert _mode(clear) == 0o666  # what the umask of 0 gave the old file
    entries = ensure_tokens(clear)
    assert entries[0] == kept and len(entries) == len(DEMO_PRINCIPALS)  # old tokens kept, missing ones added
    assert _mode(clear) == 0o600
    assert clear.stat().st_ino != clear_inode  # a new file renamed over the old one, not rewritten in place
    assert json.loads(clear.read_text()) == entries


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "tokens.json"
    write_private(target, "old\n")
    with pytest.raises(UnicodeEncodeError):
        write_private(target, "half \ud800 written")  # fails while writing the temporary file
    assert target.read_text() == "old\n"
    assert not _leftovers(tmp_path)


def test_ensure_secret_makes_a_private_fernet_key_once(tmp_path, no_chmod_and_open_umask):
    path = tmp_path / ".data" / "secret.key"
    key = ensure_secret(path)
    assert _mode(path) == 0o600, oct(_mode(path))
    f = Fernet(key)
    assert f.decrypt(f.encrypt(b"webhook secret")) == b"webhook secret"
    assert ensure_secret(path) == key  # kept across runs
    assert ensure_secret(tmp_path / ".data" / "other.key") != key
    assert not _leftovers(path.parent)


def test_ensure_secret_refuses_a_file_that_is_not_a_key_and_keeps_it(tmp_path):
    path = tmp_path / "secret.key"
    path.write_text("not a key\n")
    with pytest.raises(SecretFileError, match="does not hold a Fernet key"):
        ensure_secret(path)
    assert path.read_text() == "not a key\n"


def test_create_private_creates_once(tmp_path):
    path = tmp_path / "secret.key"
    assert create_private(path, "first\n") is True
    assert create_private(path, "second\n") is False  # the first writer wins
    assert path.read_text() == "first\n"
    assert not _leftovers(tmp_path)


def test_session_secret_is_made_once_0600_and_kept(tmp_path):
    path = tmp_path / "session.secret"
    first = ensure_token(path)
    assert len(first) >= 32 and _mode(path) == 0o600
    assert ensure_token(path) == first  # the same on the next run: sessions survive a restart
    path.write_text("short\n")
    with pytest.raises(SecretFileError, match="no usable token"):
        ensure_token(path)
