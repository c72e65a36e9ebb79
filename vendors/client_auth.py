"""How an OAuth client proves who it is: the hash its secret is stored under, and the throttle on failures.

Client secrets are random strings the server generates (DOT's generator: 128 characters from a
66-character alphabet, about 770 bits). Against a secret like that, guessing is hopeless whatever the
hash, so a deliberately slow, memory-hard password hash (Argon2id, made for low-entropy passwords)
buys no security; it only lets every wrong guess cost the server a third of a second and 100 MiB.
Secrets are therefore stored as salted SHA-256 (``ClientSecretHasher``): preimage resistance is all a
high-entropy secret needs. Secrets stored earlier under Argon2id still verify (Django recognises the
hasher from the stored value) and are re-stored under SHA-256 at their first successful use.

Failed client authentications are counted per client id and per source address in fixed windows
(the shared cache, so every process sees the same counts); once either count reaches its limit the
endpoint answers 429 with Retry-After before looking at the secret at all.
"""

import base64
import binascii
import hashlib
import math
from urllib.parse import unquote_plus

from django.conf import settings
from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import constant_time_compare


class ClientSecretHasher(BasePasswordHasher):
    """Salted SHA-256 for server-generated, high-entropy client secrets (never for people's passwords)."""

    algorithm = "client_secret_sha256"

    def encode(self, password, salt):
        self._check_encode_args(password, salt)
        digest = hashlib.sha256(f"{salt}${password}".encode()).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded):
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password, encoded):
        decoded = self.decode(encoded)
        return constant_time_compare(encoded, self.encode(password, decoded["salt"]))

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {"algorithm": decoded["algorithm"], "salt": mask_hash(decoded["salt"]), "hash": mask_hash(decoded["hash"])}

    def harden_runtime(self, password, encoded):
        pass


def basic_credentials(header):
    """(client_id, secret) of an ``Authorization: Basic`` header value (RFC 6749 2.3.1); None if it is not one."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ("", "")
    return unquote_plus(client_id), unquote_plus(secret)


def presented_client_id(request):
    """The client id a token-endpoint-style request names: HTTP Basic first (RFC 6749 2.3.1), else the body."""
    credentials = basic_credentials(request.META.get("HTTP_AUTHORIZATION", ""))
    if credentials is not None:
        return credentials[0]
    return request.POST.get("client_id", "")


def upgrade_secret_hash(client, secret):
    """Re-store a secret that just verified under an older hasher (Argon2id) as salted SHA-256."""
    if secret and not client.client_secret.startswith(f"{ClientSecretHasher.algorithm}$"):
        client.client_secret = secret  # DOT's ClientSecretField hashes it with CLIENT_SECRET_HASHER on save
        client.save(update_fields=["client_secret"])


def used_basic(request):
    return request.META.get("HTTP_AUTHORIZATION", "").split(" ", 1)[0].lower() == "basic"


def source_of(request):
    return request.META.get("REMOTE_ADDR", "")


def _keys(client_id, source, now):
    window = settings.OAUTH_CLIENT_AUTH_WINDOW_SECONDS
    index = int(now.timestamp()) // window
    hashed = hashlib.sha256(client_id.encode()).hexdigest()[:32]
    return (
        (f"client-auth-failures:client:{hashed}:{index}", settings.OAUTH_CLIENT_AUTH_FAILURES_PER_CLIENT),
        (f"client-auth-failures:source:{source}:{index}", settings.OAUTH_CLIENT_AUTH_FAILURES_PER_SOURCE),
    )


def client_auth_wait(client_id, source, *, now=None):
    """Seconds until this client id and source may try again (0: go ahead), from the failures counted so far."""
    now = now or timezone.now()
    keys = _keys(client_id, source, now)
    counts = cache.get_many([key for key, _ in keys])
    if all(counts.get(key, 0) < limit for key, limit in keys):
        return 0
    window = settings.OAUTH_CLIENT_AUTH_WINDOW_SECONDS
    return max(1, math.ceil(window - now.timestamp() % window))


def record_client_auth_failure(client_id, source, *, now=None):
    """Count one failed client authentication against the client id and the source address."""
    now = now or timezone.now()
    timeout = 2 * settings.OAUTH_CLIENT_AUTH_WINDOW_SECONDS
    for key, _ in _keys(client_id, source, now):
        cache.add(key, 0, timeout=timeout)
        cache.incr(key)
