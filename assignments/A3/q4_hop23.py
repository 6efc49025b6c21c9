#!/usr/bin/env python3
"""A3 q4_hop23: For each hour of the day (UTC, 00 to 23), the standard deviation of hop 23's average time over all runs started in that hour.

Input: mtr report logs (see data/mtr-sample.txt): each run starts with a `Start:` line, then a
header, then one line per hop:

    "  3.|-- 100.66.11.98      0.0%    10    9.4   8.2   6.6   9.4   1.0"

Output: HOUR<TAB>STDDEV, hours in order, STDDEV with two decimals.

Run locally:  python3 q4_hop23.py data/mtr-sample.txt
On EMR:       python3 q4_hop23.py -r emr s3://BUCKET/LOGS/ --output-dir s3://YOURBUCKET/q4_hop23/
"""
from mrjob.job import MRJob
from mrjob.protocol import TextProtocol


class Hop23(MRJob):
    # Writes key<TAB>value as plain text (mrjob's default is JSON); keys and values must be str.
    OUTPUT_PROTOCOL = TextProtocol

    def mapper(self, _, line):
        # TODO: mapper: the run's start time is on its Start: line; hop 23 is the line numbered 23
        return
        yield

    def reducer(self, key, values):
        # TODO: combine the values for one key and yield (key, str(result))
        return
        yield


if __name__ == "__main__":
    Hop23.run()
