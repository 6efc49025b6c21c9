#!/usr/bin/env python3
"""A5: SQL over the quazyilx readings.

Usage:  spark-submit quazyilx_run.py s3://COURSE-BUCKET/quazyilx/   (locally: python3
quazyilx_run.py data/quazyilx-sample.txt)

Parses every line with Quazyilx, makes a DataFrame, registers it as the table `quazyilx`, and
answers each question below with ONE SQL query, printing the answers as numbered lines:

    1: how many readings there are
    2: how many readings have all four sensors failed
    3: the time of the first reading where fnard failed and the other three did not
    4: the time of the last such reading

Save what it prints on the real data as quazyilx_run.txt.
"""
import sys

from pyspark.sql import SparkSession

from quazyilx import Quazyilx


def main(path):
    spark = SparkSession.builder.appName("A5 quazyilx").getOrCreate()
    spark.sparkContext.addPyFile(sys.modules["quazyilx"].__file__)
    rows = spark.sparkContext.textFile(path).map(lambda line: Quazyilx(line).row())
    df = spark.createDataFrame(rows, ["datetime", "fnard", "fnok", "cark", "gnuck"])
    df.createOrReplaceTempView("quazyilx")
    # TODO: four spark.sql(...) queries; print("1:", ...), and so on
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1])
