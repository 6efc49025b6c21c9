#!/usr/bin/env python3
"""A2 q4 reducer: total requests per month.

Input: the mapper's KEY<TAB>VALUE lines, sorted by key (Hadoop guarantees equal keys are adjacent).
Output: YYYY-MM<TAB>count, one line per month.
"""
import sys


def main():
    current, total = None, 0
    for line in sys.stdin:
        key, _, value = line.rstrip("\n").partition("\t")
        # TODO: when the key changes, print the finished month and start the next
    # TODO: do not forget the last month


if __name__ == "__main__":
    main()
