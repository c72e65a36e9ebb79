"""A vendor's webhook endpoint for tests: a real HTTP server on 127.0.0.1 in a thread, recording requests."""

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, status=200):
        self.status = status
        self.location = None  # sent as Location when set (a redirecting receiver)
        self.requests = []  # (headers dict, body bytes)
        self.statuses = []  # the status answered to each request, in order
        self.url = ""


@contextmanager
def webhook_receiver(status=200):
    receiver = Receiver(status)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = receiver.status
            receiver.requests.append((dict(self.headers.items()), body))
            receiver.statuses.append(status)
            self.send_response(status)
            if receiver.location:
                self.send_header("Location", receiver.location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
