"""A small shop that integrates with a VRM server the way a vendor would: run `python shop.py`.

Pages: / (connect), /connect (to the VRM consent screen), /callback (back from it: reads the profile),
/customers/<grant id> (what the shop keeps); POST /webhooks receives the server's signed events and, when
asked to delete, deletes and confirms. Plain standard library HTTP server plus Authlib and requests.
"""

import html
import json
import logging
import secrets
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import customers
import settings
import vrm_client

logging.basicConfig(level=logging.INFO, format="shop: %(message)s")
log = logging.getLogger("shop")
PENDING = {}  # browser session id -> (state, PKCE verifier) between /connect and /callback


def page(title, body):
    return (f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)} · Demo shop</title>"
            f"<h1>{html.escape(title)}</h1>{body}").encode()


class Shop(BaseHTTPRequestHandler):
    def respond(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def session_id(self):
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        return cookie["shop_session"].value if "shop_session" in cookie else None

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/":
            return self.respond(200, page("Demo shop", '<p><a href="/connect">Fill in my details from VRM</a></p>'))
        if path == "/connect":
            url, state, verifier = vrm_client.start_authorization()
            session_id = secrets.token_urlsafe(16)
            PENDING[session_id] = (state, verifier)
            return self.respond(302, headers=[
                ("Location", url), ("Set-Cookie", f"shop_session={session_id}; HttpOnly; SameSite=Lax; Path=/"),
            ])
        if path == "/callback":
            return self.callback()
        if path.startswith("/customers/"):
            profile = customers.get(path.removeprefix("/customers/"))
            if profile is None:
                return self.respond(404, page("No such customer", "<p>We hold nothing under this grant.</p>"))
            return self.respond(200, page("Your details", self.profile_html(profile)))
        return self.respond(404, page("Not found", ""))

    def callback(self):
        pending = PENDING.pop(self.session_id() or "", None)
        if pending is None:
            return self.respond(400, page("Start again", '<p><a href="/connect">Connect</a></p>'))
        if "error=" in (urlsplit(self.path).query or ""):
            return self.respond(200, page("Not connected", "<p>You did not share your details. That is fine.</p>"))
        answer = vrm_client.finish_authorization(f"{settings.REDIRECT_URI}?{urlsplit(self.path).query}", *pending)
        customers.save(answer["grant_id"], answer["profile"])
        log.info("read the profile under grant %s", answer["grant_id"])
        return self.respond(302, headers=[("Location", f"/customers/{answer['grant_id']}")])

    @staticmethod
    def profile_html(profile):
        rows = "".join(
            f"<tr><th>{html.escape(category)}.{html.escape(key)}</th><td>{html.escape(str(value))}</td></tr>"
            for category, values in profile.items() for key, value in values.items()
        )
        return f"<table>{rows}</table>"

    def do_POST(self):
        if urlsplit(self.path).path != "/webhooks":
            return self.respond(404)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not vrm_client.is_from_vrm(body, self.headers.get("VRM-Signature", "")):
            log.warning("refused a webhook with a bad signature")
            return self.respond(401)
        event = json.loads(body)
        grant_id = event["grant"]["id"]
        log.info("webhook %s for grant %s", event["event"], grant_id)
        if event["event"] == "grant.retention_ended":
            customers.forget(grant_id)
            vrm_client.confirm_deletion(grant_id)
            log.info("deleted and confirmed grant %s", grant_id)
        return self.respond(204)

    def log_message(self, format, *args):
        log.info("%s %s", self.address_string(), format % args)


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", settings.PORT), Shop)
    log.info("serving on http://127.0.0.1:%s/ against %s", settings.PORT, settings.VRM_URL)
    server.serve_forever()
