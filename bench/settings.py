"""Bench-only settings: the project's settings, plus the bench app that serves the bare baseline.

Used only by the scripts under bench/ (see README "Performance"); the environment
they run in is prepared by bench.harness.configure().
"""

from vrm.settings import *  # noqa: F401,F403
from vrm.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
