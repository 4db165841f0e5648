"""API keys: named Bearer tokens, kept only as SHA-256 digests and compared in constant time.

`QA_API_KEYS` holds `name:key` pairs separated by commas, or the path of a file with one a
line; a line may give the digest instead of the key (`name:sha256:HEX`, what `qa keys new`
prints), so that the file never holds a usable key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from pathlib import Path

__all__ = ["digest", "load", "new_key", "owner"]

_DIGEST = re.compile(r"sha256:([0-9a-f]{64})")


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def load(spec: str | None) -> dict[str, str]:
    """name -> SHA-256 of its key, from QA_API_KEYS; {} when unset. A malformed entry is an
    error naming it (a silently skipped key would leave the API open or locked)."""
    if not spec or not spec.strip():
        return {}
    path = Path(spec)
    entries = path.read_text(encoding="utf-8").splitlines() if path.is_file() else spec.split(",")
    keys: dict[str, str] = {}
    for n, raw in enumerate(entries, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, secret = line.partition(":")
        if not sep or not name.strip() or not secret.strip():
            raise ValueError(f"QA_API_KEYS entry {n} must be 'name:key' or 'name:sha256:HEX'")
        m = _DIGEST.fullmatch(secret.strip())
        keys[name.strip()] = m.group(1) if m else digest(secret.strip())
    return keys


def owner(token: str, keys: dict[str, str]) -> str | None:
    """The name of the key `token` is, or None; every key is compared, in constant time."""
    found = None
    wanted = digest(token)
    for name, d in keys.items():
        if hmac.compare_digest(wanted, d):
            found = name
    return found


def new_key() -> str:
    return "qa-" + secrets.token_urlsafe(32)
