"""Why the demo data cannot be loaded, shared by the loader and its parts' modules."""


class DemoDataRefused(Exception):
    """The demo data cannot be loaded (no reference data, a dependency missing, a form refused)."""
