#!/usr/bin/env python3
"""A4: turn raw mtr reports into tidy data.

Usage:  python3 mtr_fix.py data/mtr-sample.txt > mtr-tidy.csv

A raw log (see data/mtr-sample.txt) is a sequence of reports; each starts with a `Start:` line
giving its time, then a header line, then one line per hop. Tidy data has one row per observation
(one hop of one run) and one column per variable:

    timestamp,hop_number,ipaddr,hostname,pct_loss,time

- timestamp: the run's start time, exactly as on its Start: line;
- hop_number: the hop's number, without the dot;
- ipaddr and hostname: the address, and the name shown before it (the address again when the
  hop shows no name);
- pct_loss: the Loss% column without the % sign;
- time: the Avg column, in milliseconds.

Hops shown as `???` did not answer and give no row. Write no header line.
"""
import sys


def parse_hop(line):
    """Return (hop_number, ipaddr, hostname, pct_loss, time) for one hop line, or None for `???`."""
    # TODO
    raise NotImplementedError("write parse_hop")


def tidy(lines):
    """Yield one tuple (timestamp, hop_number, ipaddr, hostname, pct_loss, time) per hop, for an
    iterable of raw log lines (as read from the file, newlines included)."""
    # TODO: remember the current run's timestamp; skip header lines; use parse_hop for the rest
    raise NotImplementedError("write tidy")


def main(argv):
    if len(argv) != 2:
        print("usage: python3 mtr_fix.py RAW_LOG > TIDY.csv", file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        for row in tidy(f):
            print(",".join(str(x) for x in row))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
