"""Pitchless: a professional network where connecting is not permission to pitch."""

__version__ = "0.1.0"
