"""The bare baseline: a DRF view behind django-oauth-toolkit's OAuth2Authentication, one table, no checks."""

from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.models import BASELINE_FIELDS, BaselineProfile


class BaselineProfileView(APIView):
    authentication_classes = [OAuth2Authentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        row = BaselineProfile.objects.filter(user=request.user).values(*BASELINE_FIELDS).first()
        if row is None:
            raise NotFound("no baseline profile for this token's user")
        return Response(row)
