"""Always-on crawling: who is due (adaptive schedule), who polls it (leases shared by workers
on one database), politeness per host across workers, WebSub push, and the worker loop."""

from nashra.schedule.clock import Clock, ManualClock, SystemClock
from nashra.schedule.policy import Decision, PollFacts, decide

__all__ = [
    "Clock",
    "Decision",
    "ManualClock",
    "PollFacts",
    "SystemClock",
    "decide",
]
