"""The HTTP client every outgoing request goes through (the crawler, images, outlet checks and
discovery, WebSub): the guarded transport (``guard``), the fetcher with its limits and
conditional requests (``fetch``), robots.txt (``robots``) and the decoding of HTML bytes
(``encoding``)."""
