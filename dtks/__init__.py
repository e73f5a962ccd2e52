"""DTKS: the project package and the registry core (data induk)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
