#!/usr/bin/env python3
"""A4 q2: the mean round-trip time (the `time` column) at each hop number.

Usage:  spark-submit q2.py RAW_LOG   (locally: python3 q2.py data/mtr-sample.txt)

Reads the raw mtr log into an RDD, tidies it with your mtr_fix.tidy, and prints HOP<TAB>MEAN
lines (MEAN with two decimals), hop numbers in increasing order. Save the output as q2.txt.
"""
import sys

from pyspark import SparkContext

import mtr_fix


def main(path):
    sc = SparkContext(appName="A4 q2")
    sc.addPyFile(mtr_fix.__file__)  # the cluster's workers need mtr_fix too
    rows = sc.textFile(path).coalesce(1).mapPartitions(mtr_fix.tidy)
    # TODO: mean time per hop number, sorted by hop number; print HOP<TAB>MEAN
    sc.stop()


if __name__ == "__main__":
    main(sys.argv[1])
