#!/usr/bin/env python3
"""A5: consumer complaints received per year, in plain Python.

Usage:  python3 complaints.py COMPLAINTS.jsonl

The input has one JSON object per line with, among others, `date_received` (YYYY-MM-DD).
Print YEAR<TAB>COUNT, one line per year, in year order. Save the output on the full data set as
complaints.txt.
"""
import json
import sys


def main(argv):
    if len(argv) != 2:
        print("usage: python3 complaints.py COMPLAINTS.jsonl", file=sys.stderr)
        return 2
    # TODO: read the file line by line (it is large: do not load it whole), count per year
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
