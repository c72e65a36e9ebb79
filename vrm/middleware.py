"""The database is unreachable: every surface answers 503 in its own format, never a 500 or a 400.

While PostgreSQL restarts, or the network to it is cut, Django raises
OperationalError (refused, terminated, starting up) or InterfaceError (a
connection already closed). Every change is one transaction, so it was kept
whole or not at all, and the caller may simply retry. Every other database
error (integrity, programming errors) is a bug or bad input and stays a 500.

Such an error is met in two places. In a view or its template, where
``process_exception`` below sees it. Or outside the view, in a middleware:
Django turns that into a response before any outer middleware could catch
it, so it reaches us through the error handlers named in ``vrm/urls.py``:
``server_error`` (handler500), and ``bad_request`` (handler400) for the
session that could not be saved after the view, which Django reports as an
interrupted session.

Beside it, AbsoluteSessionLifetimeMiddleware ends a logged-in session a fixed
time after its login, however active it has been.
"""

import logging
import sys
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth import logout as auth_logout
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.views import defaults

from vrm.problems import UNAVAILABLE_DETAIL, UNAVAILABLE_HEADERS, problem_response

logger = logging.getLogger(__name__)

OUTAGE_ERRORS = (OperationalError, InterfaceError)
# The consent screen is a page for the person; the rest of /o/ answers OAuth clients.
OAUTH_PAGES = ("/o/authorize/",)
API_PREFIX = "/api/"


def caused_by_outage(error):
    """True when `error`, or an error it was raised from or while handling, says the database is unreachable."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OUTAGE_ERRORS):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def unavailable_response(request):
    """A 503 in the caller's format: problem details on the API, OAuth JSON on /o/, a page on the portal.

    The page is rendered without the request's context: the user and the
    messages live in the session, which lives in the database that is down.
    """
    path = request.path_info
    status_code = 503
    if path.startswith(API_PREFIX):
        response = problem_response(request, "service-unavailable", UNAVAILABLE_DETAIL)
    elif path.startswith("/o/") and not path.startswith(OAUTH_PAGES):
        response = JsonResponse(
            {"error": "temporarily_unavailable", "error_description": "The service is unavailable; try again shortly."},
            status=status_code,
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=status_code)
    for name, value in UNAVAILABLE_HEADERS.items():
        response[name] = value
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """First in MIDDLEWARE: a view that finds the database unreachable answers 503 (see the module's doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not caused_by_outage(exception):
            return None
        logger.error("Database unreachable during %s %s", request.method, request.path, exc_info=exception)
        return unavailable_response(request)


def server_error(request):
    """handler500: an outage met outside a view is a 503 as well; anything else is a 500, as problem details on
    the API (integrity and programming errors included: they are bugs, and retrying would not help)."""
    if caused_by_outage(sys.exception()):
        return unavailable_response(request)
    if request.path_info.startswith(API_PREFIX):
        return problem_response(request, "server-error", "An unexpected error occurred; it was logged.")
    return defaults.server_error(request)


def bad_request(request, exception):
    """handler400: a session that could not be saved because the database is down is an outage, not a bad request.

    On the API, a body Django refused before any view read it (over DATA_UPLOAD_MAX_MEMORY_SIZE, too many
    fields) is a problem document too.
    """
    if caused_by_outage(exception):
        return unavailable_response(request)
    if request.path_info.startswith(API_PREFIX):
        if isinstance(exception, RequestDataTooBig):
            return problem_response(request, "body-too-large", "The request body is too large.")
        return problem_response(request, "malformed-body", "The request could not be read.")
    return defaults.bad_request(request, exception)


# When the session's user logged in (seconds since the epoch), for the absolute session lifetime.
SESSION_STARTED = "vrm_session_started"


class AbsoluteSessionLifetimeMiddleware:
    """A logged-in session ends VRM_SESSION_ABSOLUTE_SECONDS after its login, however active it has been.

    The idle timeout (SESSION_COOKIE_AGE) is renewed by every request; this one is
    not. The login time is stamped into the session on the response that logs in
    (every login: the portal's, the two-factor step's, the admin's); a session
    past its lifetime is logged out on the server before the view runs, and the
    view then sees an anonymous visitor (login pages ask again).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Only a request with a session cookie can be logged in; one without (a vendor's API call) is left
        # untouched, so its session is never read (no query, no "Vary: Cookie"). The session's own keys,
        # not request.user: no user query either.
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            started = request.session.get(SESSION_STARTED)
            if (
                started is not None
                and SESSION_KEY in request.session
                and time.time() - started > settings.VRM_SESSION_ABSOLUTE_SECONDS
            ):
                auth_logout(request)
                messages.info(request, "For your safety you were logged out after a long session. Please log in again.")
        response = self.get_response(request)
        # A login touches the session; a request that never did cannot have logged in.
        if request.session.accessed and SESSION_KEY in request.session and SESSION_STARTED not in request.session:
            request.session[SESSION_STARTED] = time.time()
        return response
