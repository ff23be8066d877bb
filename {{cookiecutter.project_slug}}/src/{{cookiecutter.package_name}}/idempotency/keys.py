"""The Idempotency-Key header and the request it is sent with: the key, read as the draft's
Structured Field String (RFC 8941 §3.3.3) or bare, as many clients send it, and the
fingerprint of the request."""

import hashlib
import re
from collections.abc import Sequence

from fastapi import Request

from .exceptions import IdempotencyKeyInvalidError
from .models import KEY_MAX_LENGTH

HEADER = "idempotency-key"
# A String: printable ASCII in double quotes, with `"` and `\` escaped by a backslash.
_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
# A bare key (`Idempotency-Key: 8e03978e-...`): visible ASCII but `"` and `,`, so that it
# cannot be mistaken for a malformed String or a list.
BARE_CHARACTER = r"[!#-+\--~]"
_BARE = re.compile(f"{BARE_CHARACTER}+")
_ESCAPE = re.compile(r"\\([\"\\])")


def parse_key(fields: Sequence[str]) -> str:
    """The key the fields carry; anything but one String or bare key is refused (400)."""
    if len(fields) != 1:
        raise IdempotencyKeyInvalidError
    field = fields[0].strip(" ")
    if string := _STRING.fullmatch(field):
        key = _ESCAPE.sub(r"\1", string.group(1))
    elif _BARE.fullmatch(field):
        key = field
    else:
        raise IdempotencyKeyInvalidError
    if not 1 <= len(key) <= KEY_MAX_LENGTH:
        raise IdempotencyKeyInvalidError
    return key


async def fingerprint(request: Request) -> str:
    """What the request asks: its method, target and body (a digest of them)."""
    digest = hashlib.sha256()
    for part in (request.method, request.url.path, request.url.query):
        digest.update(part.encode() + b"\n")
    digest.update(await request.body())
    return digest.hexdigest()
