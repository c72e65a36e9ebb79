import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vrm.settings")
application = get_asgi_application()

# Refuse to serve (the ASGI server fails to load the application) unless every start-up check passes.
from vrm.startup import require_safe_start  # noqa: E402  (needs the apps loaded above)

require_safe_start()
