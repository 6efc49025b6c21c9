#!/usr/bin/env python3
"""A2 q5 (extra credit) reducer: the ten most requested URLs.

Output: COUNT<TAB>URL, ten lines, largest count first. (With one reducer, it sees every URL.)
"""
import sys


def main():
    # TODO: total each URL, keep the ten largest, print them
    pass


if __name__ == "__main__":
    main()
