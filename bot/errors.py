"""Errors that mean "the user asked for something I can't do", each with a polite one-line message."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from a user; adapters show str(error) and log it at INFO."""


class CaptionTooLong(InputError):
    pass
