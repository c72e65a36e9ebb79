from django.urls import path

from rights import audit_views

app_name = "rights_audit"

urlpatterns = [
    path("", audit_views.requests_list, name="requests"),
    path("compliance/", audit_views.compliance, name="compliance"),
]
