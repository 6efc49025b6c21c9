#!/usr/bin/env python3
"""A3 q2_multiple: The IP addresses that appear under more than one host name.

Input: mtr report logs (see data/mtr-sample.txt): each run starts with a `Start:` line, then a
header, then one line per hop:

    "  3.|-- 100.66.11.98      0.0%    10    9.4   8.2   6.6   9.4   1.0"

Output: IP<TAB>HOST1 , HOST2[ , ...] (names sorted, joined by ' , '), one line per such address.

Run locally:  python3 q2_multiple.py data/mtr-sample.txt
On EMR:       python3 q2_multiple.py -r emr s3://BUCKET/LOGS/ --output-dir s3://YOURBUCKET/q2_multiple/
"""
from mrjob.job import MRJob
from mrjob.protocol import TextProtocol


class MultipleNames(MRJob):
    # Writes key<TAB>value as plain text (mrjob's default is JSON); keys and values must be str.
    OUTPUT_PROTOCOL = TextProtocol

    def mapper(self, _, line):
        # TODO: mapper: yield (ip, hostname); reducer: keep the distinct names, output only addresses with two or more
        return
        yield

    def reducer(self, key, values):
        # TODO: combine the values for one key and yield (key, str(result))
        return
        yield


if __name__ == "__main__":
    MultipleNames.run()
