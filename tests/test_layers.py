"""The layers hold in a fresh interpreter: the store and the web shell load no feature package.

A function-local import or a registration can hide an arrow that runs back up the layers; these
tests import the lower module alone and list what came with it (docs/architecture.md, issue 14).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

FEATURES = ("enrich", "search", "stories", "video", "media", "moderation", "crawl", "web")

# The web shell: the portal, its editions, translations, cache, pages and feeds. The features
# reach into it (``portal.page_hooks``, ``portal.coverage``, ``portal.writer_filters``,
# ``ctx.frame_sources``), never the other way. ``web.present`` and ``web.feeds`` show our image
# copies and outlets' logos through media's pure URL rules (``media.paths``, ``media.logo``).
SHELL = (
    "nashra.web.portal",
    "nashra.web.context",
    "nashra.web.editions",
    "nashra.web.i18n",
    "nashra.web.cache",
    "nashra.web.coverage",
    "nashra.web.pages",
    "nashra.web.feeds",
    "nashra.web.grammar",
    "nashra.web.site",
    "nashra.web.present",
    "nashra.web.related",
    "nashra.web.security",
    "nashra.web.serving",
    "nashra.web.jsonapi",
)


def _loaded(module: str, before: str = "") -> set[str]:
    """The ``nashra`` modules a fresh interpreter holds after running ``before`` and importing
    ``module``."""
    code = (
        "import sys\n"
        f"{before}\n"
        f"import {module}\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('nashra')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def _of(loaded: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if m.split(".")[1:2] and m.split(".")[1] in packages)


def test_the_store_loads_no_feature_package() -> None:
    assert _of(_loaded("nashra.store"), FEATURES) == []


@pytest.mark.parametrize("module", SHELL)
def test_the_web_shell_loads_no_feature_package(module: str) -> None:
    features = tuple(f for f in FEATURES if f not in ("web", "media"))
    assert _of(_loaded(module), features) == []


def test_the_app_loads_no_feature_package_but_through_its_list() -> None:
    """``create_app``'s module reaches the features only through ``web.features.FEATURES``."""
    no_features = (
        "import types\n"
        "stub = types.ModuleType('nashra.web.features')\n"
        "stub.FEATURES = ()\n"
        "sys.modules['nashra.web.features'] = stub"
    )
    features = tuple(f for f in FEATURES if f not in ("web", "media"))
    assert _of(_loaded("nashra.web.app", no_features), features) == []
