"""Helpers and builders shared by test modules of several apps. A test module never imports another test module:
what two of them share lives here (or in an app's ``builders.py``), and shared fixtures are plugins registered in
``tests/conftest.py``'s ``pytest_plugins``."""
