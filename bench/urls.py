from django.urls import path

from bench.views import BaselineProfileView
from vrm.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("bench/baseline", BaselineProfileView.as_view(), name="bench-baseline"),
    *project_urlpatterns,
]
