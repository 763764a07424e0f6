"""Composition root of the image service."""

from shared.app import BaseDeps
from shared.runtime import connect_dapr, connect_database

from services.image.settings import ImageSettings


def build_deps(settings: ImageSettings) -> BaseDeps:
    deps = BaseDeps()
    connect_dapr(settings, deps)
    connect_database(settings, deps)
    return deps
