"""«أخباري» my news (issue 18): a reader's own edition from choices kept in their browser."""
