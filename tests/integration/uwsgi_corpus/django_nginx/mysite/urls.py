import os

from django.http import HttpResponse
from django.urls import path


def index(request):
    return HttpResponse(f"django {os.environ['DJANGO_SETTINGS_MODULE']} debug={int(os.environ.get('DJANGO_DEBUG', '0'))}",
                        content_type="text/plain")


urlpatterns = [path("", index)]
