#!/usr/bin/env python3
"""A2 q5 (extra credit) mapper: one record per requested URL.

Input: the same web-server log lines as q4. Output: URL<TAB>1 (or another form your combiner and
reducer agree on).
"""
import sys


def main():
    for line in sys.stdin:
        # TODO: find the requested path between the quotes: "GET /path HTTP/1.1"
        pass


if __name__ == "__main__":
    main()
