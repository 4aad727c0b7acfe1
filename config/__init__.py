"""Settings for sspkg: defaults in :mod:`config.defaults`, overridden from the environment."""

from config.settings import Settings, load_settings

__all__ = ["Settings", "load_settings"]
