"""Trending topics (issue 18): headline terms and names rising in the last hours."""
