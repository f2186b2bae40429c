"""Most read (issue 18): a view counter that keeps no personal data, and what it counted."""
