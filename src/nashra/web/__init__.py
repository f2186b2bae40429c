"""The reader-facing portal: pages, feeds and the JSON API (Starlette + Jinja2 + Babel).

The application is built by :func:`nashra.web.app.create_app`; this package module imports
nothing, so a feature's ``web`` module can import the portal's parts without building the app.
"""
