"""bench/load.py against a real HTTP server on 127.0.0.1 (no timing asserted: only counts and statuses)."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.load import closed_loop, loopback_target, open_loop, percentile


def run(coroutine):
    """Run the load generator on its own thread: Playwright's sync API may keep a loop in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class Handler(BaseHTTPRequestHandler):
    seen_tokens = []

    def do_GET(self):
        Handler.seen_tokens.append(self.headers.get("Authorization"))
        status = 500 if self.path == "/broken" else 200
        body = b'{"ok": true}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Handler.seen_tokens = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_closed_loop_stops_at_the_request_budget_and_sends_the_token(server):
    result = run(closed_loop(server + "/ok", "tok-123", connections=3, duration=60, max_requests=25))

    assert (result["requests"], result["ok"], result["errors"]) == (25, 25, 0)
    assert Handler.seen_tokens == ["Bearer tok-123"] * 25


def test_open_loop_sends_the_scheduled_number_and_counts_server_errors(server):
    result = run(open_loop(server + "/broken", "", rate=100, duration=0.2, max_in_flight=8))

    assert result["requests"] == 20
    assert result["statuses"] == {"500": 20}
    assert result["errors"] == 20


def test_a_refused_connection_is_counted_not_raised():
    result = run(closed_loop("http://127.0.0.1:9/", "", connections=1, duration=60, max_requests=3))

    assert result["requests"] == 0
    assert result["errors"] == 3


@pytest.mark.parametrize(
    "url", ["http://10.0.0.1:8000/", "http://example.org/", "https://127.0.0.1/"], ids=["private", "public", "https"]
)
def test_load_goes_to_this_machine_only(url):
    with pytest.raises(ValueError):
        loopback_target(url)


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))

    assert (percentile(values, 0.5), percentile(values, 0.99), percentile(values, 1.0)) == (50, 99, 100)
    assert percentile([7], 0.99) == 7
