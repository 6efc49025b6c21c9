"""A5: parse the wiki's web-server log lines (the "combined" format of A2's q4).

    203.0.113.9 - - [14/Oct/2016:09:12:44 +0000] "GET /wiki/Main_Page HTTP/1.1" 200 5120 "-" "curl/7.47.0"
"""


def parse(line):
    """Return a dict with keys ip, datetime (ISO 8601, e.g. '2016-10-14T09:12:44Z'), month
    ('2016-10'), method, url, status (int) and size (int, 0 for '-'); None if the line does not
    parse."""
    # TODO: a regular expression is the simplest way
    raise NotImplementedError("write parse")
