from django.urls import path

from audit import api

urlpatterns = [
    path("receipts", api.ReceiptListView.as_view(), name="api-receipts"),
    path("receipts/verify", api.VerifyReceiptView.as_view(), name="api-receipt-verify"),
    path("receipts/<uuid:receipt_id>", api.ReceiptView.as_view(), name="api-receipt"),
    path("audit/entries", api.AuditEntriesView.as_view(), name="api-audit-entries"),
    path("audit/grants", api.AuditGrantsView.as_view(), name="api-audit-grants"),
    path("audit/overdue-deletions", api.AuditOverdueView.as_view(), name="api-audit-overdue"),
    path("audit/checkpoints", api.AuditCheckpointsView.as_view(), name="api-audit-checkpoints"),
    path("audit/status", api.AuditStatusView.as_view(), name="api-audit-status"),
    path("audit/log", api.AuditLogExportView.as_view(), name="api-audit-log"),
]
