#!/usr/bin/env python3
"""{{id}} q1: TODO (instructor): what this program computes.

Usage:  python3 q1.py INPUT > q1.txt
"""
import sys


def main(argv):
    # TODO (student): read argv[1], print KEY<TAB>COUNT lines
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
