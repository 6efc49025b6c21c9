#!/usr/bin/env python3
"""A2 q4 mapper: one record per request, keyed by its month.

Input: web-server log lines in the "combined" format, for example

    203.0.113.9 - - [14/Oct/2016:09:12:44 +0000] "GET /wiki/Main_Page HTTP/1.1" 200 5120 "-" "curl/7.47.0"

Output: KEY<TAB>VALUE lines that let the reducer count requests per month (YYYY-MM).
Lines that do not parse should be skipped, not crash the job.
"""
import sys


def month_of(line):
    """Return the request's month as 'YYYY-MM', or None when the line does not parse."""
    # TODO: find the [dd/Mon/yyyy:...] part and turn it into YYYY-MM
    raise NotImplementedError("write month_of")


def main():
    for line in sys.stdin:
        month = month_of(line)
        if month is not None:
            # TODO: print a key and a value separated by a tab
            pass


if __name__ == "__main__":
    main()
