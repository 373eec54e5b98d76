"""Password hashing (argon2) and opaque token helpers."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# A fixed hash to verify against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

USER_TOKEN_PREFIX = "bku_"
DEVICE_KEY_PREFIX = "bkd_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """sha256 of a high-entropy token: enough for lookup, and a leaked table grants nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


def sign(secret_key: str, message: bytes) -> str:
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def signature_ok(secret_key: str, message: bytes, signature: str) -> bool:
    # A signature is hex: anything else (é, say) is simply wrong, and compare_digest raises on non-ASCII text.
    return signature.isascii() and hmac.compare_digest(sign(secret_key, message), signature)


# Keys that once were defaults or examples: anyone may know them, so they count as no key at all.
_KNOWN_KEYS = frozenset({"", "change-me-in-production", "change-me"})


class SecretKeyMissing(RuntimeError):
    """The platform was started without ``BRIGHTKITCHEN_SECRET_KEY``."""


def require_secret_key(secret_key: str) -> None:
    """Refuses to run without a real key: with a known one, anyone who saw a single evidence link could re-sign
    links forever and forge webhook signatures."""
    if secret_key.strip() in _KNOWN_KEYS:
        raise SecretKeyMissing(
            "BRIGHTKITCHEN_SECRET_KEY is not set (or is a well-known example value). Set it to a long random "
            "string, the same for every worker, e.g. the output of: python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'"
        )
