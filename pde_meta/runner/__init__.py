"""Running a config: the controller, its observers, ``simulate`` and ``resume``."""
