#!/usr/bin/env python3
"""A5: requests per month in the wiki's logs, with SparkSQL.

Usage:  spark-submit fwiki_run.py s3://COURSE-BUCKET/fwiki/   (locally: python3 fwiki_run.py
data/fwiki-sample.log)

Parses the lines with fwiki.parse (dropping those that do not parse), registers a table `logs`
and prints YYYY-MM<TAB>count, one line per month in order, from one SQL query. Save what it prints
on the real logs as fwiki_run.txt.
"""
import sys

from pyspark.sql import Row, SparkSession

import fwiki


def main(path):
    spark = SparkSession.builder.appName("A5 fwiki").getOrCreate()
    spark.sparkContext.addPyFile(fwiki.__file__)
    parsed = spark.sparkContext.textFile(path).map(fwiki.parse).filter(lambda r: r is not None)
    spark.createDataFrame(parsed.map(lambda r: Row(**r))).createOrReplaceTempView("logs")
    # TODO: one spark.sql query grouping by month; print each row as MONTH<TAB>COUNT
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1])
