#!/usr/bin/env python3
"""A4 q3: the top-level domains of the host names the packets passed.

Usage:  spark-submit tld.py RAW_LOG   (locally: python3 tld.py data/mtr-sample.txt)

The top-level domain is the last dot-separated part of a host name (`net` in
`ae-4.r04.asbnva02.us.bb.gin.ntt.net`); hops that show only an address have none. Prints
TLD<TAB>COUNT lines (COUNT: the number of distinct host names in that domain), largest count first.
Save the output on the real logs as q3_counts.txt, and the number of lines as q3.txt.
"""
import sys

from pyspark import SparkContext

import mtr_fix


def tld_of(hostname):
    """Return the top-level domain of `hostname` in lower case, or None for a bare address."""
    # TODO
    raise NotImplementedError("write tld_of")


def main(path):
    sc = SparkContext(appName="A4 tld")
    sc.addPyFile(mtr_fix.__file__)
    rows = sc.textFile(path).coalesce(1).mapPartitions(mtr_fix.tidy)
    # TODO: distinct host names -> TLD -> counts, largest first; print TLD<TAB>COUNT
    sc.stop()


if __name__ == "__main__":
    main(sys.argv[1])
