"""The shop's configuration, from the environment (see README.md)."""

import os
from urllib.parse import urlsplit


def required(name):
    value = os.environ.get(name, "").strip()
    if not value:
        raise SystemExit(f"Set {name} (see examples/shop/README.md).")
    return value


VRM_URL = os.environ.get("VRM_URL", "http://127.0.0.1:8000").rstrip("/")
CLIENT_ID = required("SHOP_CLIENT_ID")
CLIENT_SECRET = required("SHOP_CLIENT_SECRET")
# The webhook signing secret shown once when you save the endpoint in the developer portal (optional: without
# it the shop refuses every webhook).
WEBHOOK_SECRET = os.environ.get("SHOP_WEBHOOK_SECRET", "")
PORT = int(os.environ.get("SHOP_PORT", "8765"))
REDIRECT_URI = os.environ.get("SHOP_REDIRECT_URI", f"http://127.0.0.1:{PORT}/callback")
SCOPES = os.environ.get("SHOP_SCOPES", "contact:read address:read")
DATA_FILE = os.environ.get("SHOP_DATA_FILE", "shop-customers.json")

# Authlib refuses plain http unless told; allow it only for a server on this machine (development).
if urlsplit(VRM_URL).hostname in ("127.0.0.1", "localhost"):
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
