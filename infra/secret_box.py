"""Secrets at rest (webhook secrets today): sealed with Fernet (`cryptography`: AES-128-CBC
plus HMAC-SHA256, authenticated) under `PROMOFLOW_SECRET_KEY`, so a copy of the database
alone does not give them away. The API seals what it is given; the worker opens what it
signs with. A key that changed opens nothing (`SecretUnreadable`) instead of signing with
garbage."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

SECRET_KEY_VAR = "PROMOFLOW_SECRET_KEY"


class SecretUnreadable(ValueError):
    pass


class SecretBox:
    def __init__(self, key: str):
        self._fernet = Fernet(key.encode())

    @staticmethod
    def check_key(key: str) -> str:
        """The key if Fernet takes it (32 url-safe base64-encoded bytes), else ValueError."""
        Fernet(key.encode())
        return key

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as err:
            raise SecretUnreadable(f"the secret does not open with this {SECRET_KEY_VAR} (was the key changed?)") \
                from err
