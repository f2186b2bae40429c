"""The reader-facing portal: pages, feeds and the JSON API (Starlette + Jinja2 + Babel)."""

from nashra.web.app import create_app

__all__ = ["create_app"]
