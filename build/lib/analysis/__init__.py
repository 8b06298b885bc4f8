"""Checks of public claims about AI training compute and AI energy use."""

__version__ = "0.1.0"
