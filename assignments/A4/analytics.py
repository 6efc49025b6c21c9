"""A4: recognise web-analytics providers from the address of a script a page loads.

`provider(url)` returns the provider's name for a script URL, or None. Start from the table below
and extend it as you study the data (look at the most common script hosts first).
"""
from urllib.parse import urlparse

# Host name suffix -> provider name. TODO: add the providers you find in the data.
PROVIDERS = {
    "google-analytics.com": "Google Analytics",
}


def provider(url):
    """Return the analytics provider serving `url`, or None."""
    # TODO: take the host of the URL and look for a matching suffix in PROVIDERS
    raise NotImplementedError("write provider")
