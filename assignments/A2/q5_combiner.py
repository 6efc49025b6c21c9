#!/usr/bin/env python3
"""A2 q5 (extra credit) combiner: add up counts for the same URL on one mapper's output.

A combiner's input and output have the same form as the mapper's output, because Hadoop may run
it zero, one or many times.
"""
import sys


def main():
    # TODO: sum the values of adjacent equal keys
    pass


if __name__ == "__main__":
    main()
