from django.urls import path

from audit import receipt_views

app_name = "receipts"

urlpatterns = [
    path("verify", receipt_views.verify, name="verify"),
    path("<uuid:receipt_id>/download", receipt_views.download, name="download"),
    path("grants/<uuid:grant_id>/withdraw", receipt_views.withdraw, name="withdraw"),
]
