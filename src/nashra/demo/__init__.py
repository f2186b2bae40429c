"""The bundled demo: small outlet websites served on a loopback port for ``nashra demo``.

``DemoSites`` holds the outlets (five ANT corpus outlets, Hespress, four French outlets) and their
ground truth; ``DemoServer`` serves them from one local HTTP server.
"""

from nashra.demo.server import DemoServer
from nashra.demo.sites import DemoSites

__all__ = ["DemoServer", "DemoSites"]
