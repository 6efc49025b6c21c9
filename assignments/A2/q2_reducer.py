#!/usr/bin/env python3
"""A2 q2 reducer: write out what the mapper passed on.

A filter needs no real reducing, but Hadoop sorts the mapper's output by key before this program
sees it. Print each input line once it arrives (an "identity" reducer).
Try it:  python3 q2_mapper.py < data/sensor-sample.txt | LC_ALL=C sort | python3 q2_reducer.py
"""
import sys


def main():
    # TODO: copy standard input to standard output, line by line
    raise NotImplementedError("write the reducer")


if __name__ == "__main__":
    main()
