"""Fixtures for tests on the real stack (a pytest plugin, see ``plugin.py``)."""
