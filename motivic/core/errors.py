"""The one exception type of the project."""

__all__ = ["MotivicError"]


class MotivicError(Exception):
    """Invalid parameter, malformed input or inconsistent artefact.

    The message names the parameter or file, the value found, the constraint
    and, when it can be computed, the fix.
    """
