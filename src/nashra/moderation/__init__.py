"""Crowd reporting of images and their moderation (issue 6).

``routes(settings, store)`` gives every HTTP route; ``commands.admin`` the CLI group.
"""

from nashra.moderation.web import routes

__all__ = ["routes"]
