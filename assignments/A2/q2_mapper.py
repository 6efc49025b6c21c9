#!/usr/bin/env python3
"""A2 q2 mapper: pass on only the malfunction readings.

Hadoop Streaming feeds this program lines of the sensor log on standard input, for example

    2016-03-08 10:21:07 fnard:17 fnok:-3 cark:44 gnuck:2

Print, unchanged, each line whose four readings are all -1, and nothing else.
Try it locally:  python3 q2_mapper.py < data/sensor-sample.txt
"""
import sys


def is_malfunction(line):
    """Return True when every reading on `line` is -1."""
    # TODO: split the line, look at the four name:value fields
    raise NotImplementedError("write is_malfunction")


def main():
    for line in sys.stdin:
        line = line.rstrip("\n")
        if is_malfunction(line):
            print(line)


if __name__ == "__main__":
    main()
