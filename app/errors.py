"""The one family of errors that reach users (DESIGN.md §8).

Every message names what went wrong and what to do next; the UI and the CLI show
``str(error)`` as it is, so messages are full sentences without stack detail.
"""


class AppError(Exception):
    """Base for every error the app expects and explains."""


class ValidationError(AppError):
    """Input that breaks a rule; the message is meant for the user."""


class NotFound(AppError):
    """A named thing (account, company, user) does not exist."""


class Conflict(AppError):
    """The change clashes with what is already there."""


class PeriodLocked(AppError):
    """The posting date falls in a locked period."""


class AccessDenied(AppError):
    """The user may not do this, or could not be authenticated."""
