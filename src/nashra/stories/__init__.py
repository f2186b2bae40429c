"""Stories: near-duplicate copies and the same story across outlets, assigned incrementally.

``features`` (what an article is matched by) → ``index`` (the window engine) → ``store``
(decisions written to the archive); ``queries`` and ``web`` are the read side, ``commands`` the
``nashra stories`` group.
"""

from nashra.stories.index import Decision, StoryConfig, StoryIndex
from nashra.stories.store import StoryAssignment, StoryStore, assign_story

__all__ = [
    "Decision",
    "StoryAssignment",
    "StoryConfig",
    "StoryIndex",
    "StoryStore",
    "assign_story",
]
