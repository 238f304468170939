"""The project's URLs plus the bare reference endpoint at /bench/bare/."""

from django.urls import path

from config.urls import handler403, handler404, handler500
from config.urls import urlpatterns as project

from .bareapp.views import bare_insert

urlpatterns = [path("bench/bare/", bare_insert, name="bench_bare"), *project]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
