from django.urls import path

from bench.views import BaselineProfileView, LeanBaselineProfileView
from vrm.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("bench/baseline", BaselineProfileView.as_view(), name="bench-baseline"),
    path("bench/baseline-lean", LeanBaselineProfileView.as_view(), name="bench-baseline-lean"),
    *project_urlpatterns,
]
