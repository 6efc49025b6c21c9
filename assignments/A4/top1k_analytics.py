#!/usr/bin/env python3
"""A4: which analytics providers the 1,000 most popular sites use.

Usage:  spark-submit top1k_analytics.py s3://COURSE-BUCKET/top1k/   (one JSON line per site:
{"site": ..., "rank": ..., "scripts": [URL, ...]})

Prints PROVIDER<TAB>SITES lines (SITES: the number of sites using that provider at least once),
largest first. Save the output as top1k_analytics.txt.
"""
import json
import sys

from pyspark import SparkContext

import analytics


def main(path):
    sc = SparkContext(appName="A4 top1k analytics")
    sc.addPyFile(analytics.__file__)
    sites = sc.textFile(path).map(json.loads)
    # TODO: for each site, the set of providers of its scripts; count sites per provider
    sc.stop()


if __name__ == "__main__":
    main(sys.argv[1])
