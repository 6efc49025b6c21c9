#!/usr/bin/env python3
"""A4 q1: how many tidy rows each hop number has.

Usage:  spark-submit q1.py RAW_LOG   (locally: python3 q1.py data/mtr-sample.txt)

Reads the raw mtr log into an RDD, tidies it with your mtr_fix.tidy, and prints HOP<TAB>ROWS
lines, hop numbers in increasing order. Save the output on the real logs as q1.txt.
"""
import sys

from pyspark import SparkContext

import mtr_fix


def main(path):
    sc = SparkContext(appName="A4 q1")
    sc.addPyFile(mtr_fix.__file__)  # the cluster's workers need mtr_fix too
    rows = sc.textFile(path).coalesce(1).mapPartitions(mtr_fix.tidy)
    # TODO: count rows per hop number, sort by hop number, print HOP<TAB>ROWS
    sc.stop()


if __name__ == "__main__":
    main(sys.argv[1])
