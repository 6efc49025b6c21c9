#!/usr/bin/env python3
"""A3 q3_linksdev: As q3_links.py, plus the standard deviation of the time to cross each link (next hop's Avg minus this hop's Avg).

Input: mtr report logs (see data/mtr-sample.txt): each run starts with a `Start:` line, then a
header, then one line per hop:

    "  3.|-- 100.66.11.98      0.0%    10    9.4   8.2   6.6   9.4   1.0"

Output: IP1->IP2<TAB>COUNT<TAB>STDDEV, STDDEV with two decimals.

Run locally:  python3 q3_linksdev.py data/mtr-sample.txt
On EMR:       python3 q3_linksdev.py -r emr s3://BUCKET/LOGS/ --output-dir s3://YOURBUCKET/q3_linksdev/
"""
from mrjob.job import MRJob
from mrjob.protocol import TextProtocol


class LinksDev(MRJob):
    # Writes key<TAB>value as plain text (mrjob's default is JSON); keys and values must be str.
    OUTPUT_PROTOCOL = TextProtocol

    def mapper(self, _, line):
        # TODO: reducer: a one-pass mean and variance (count, sum, sum of squares) keeps memory small
        return
        yield

    def reducer(self, key, values):
        # TODO: combine the values for one key and yield (key, str(result))
        return
        yield


if __name__ == "__main__":
    LinksDev.run()
