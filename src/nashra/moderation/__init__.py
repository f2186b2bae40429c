"""Crowd reporting of images and their moderation (issue 6).

``web.routes(ctx)`` gives every HTTP route; ``commands.admin`` the CLI group.
"""
