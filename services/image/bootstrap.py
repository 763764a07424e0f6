"""Composition root of the image service."""

from services.image.settings import ImageSettings
from shared.app import BaseDeps
from shared.runtime import connect_dapr, connect_database


def build_deps(settings: ImageSettings) -> BaseDeps:
    deps = BaseDeps()
    connect_dapr(settings, deps)
    connect_database(settings, deps)
    return deps
