import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vrm.settings")
application = get_wsgi_application()

# Refuse to serve (the WSGI server's worker fails to boot) unless every start-up check passes.
from vrm.startup import require_safe_start  # noqa: E402  (needs the apps loaded above)

require_safe_start()
