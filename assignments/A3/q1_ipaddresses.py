#!/usr/bin/env python3
"""A3 q1_ipaddresses: How many times each IP address appears as a hop.

Input: mtr report logs (see data/mtr-sample.txt): each run starts with a `Start:` line, then a
header, then one line per hop:

    "  3.|-- 100.66.11.98      0.0%    10    9.4   8.2   6.6   9.4   1.0"

Output: IP<TAB>COUNT, one line per address.

Run locally:  python3 q1_ipaddresses.py data/mtr-sample.txt
On EMR:       python3 q1_ipaddresses.py -r emr s3://BUCKET/LOGS/ --output-dir s3://YOURBUCKET/q1_ipaddresses/
"""
from mrjob.job import MRJob
from mrjob.protocol import TextProtocol


class IpAddresses(MRJob):
    # Writes key<TAB>value as plain text (mrjob's default is JSON); keys and values must be str.
    OUTPUT_PROTOCOL = TextProtocol

    def mapper(self, _, line):
        # TODO: mapper: yield (ip, 1) for each hop line that has an address
        return
        yield

    def reducer(self, key, values):
        # TODO: combine the values for one key and yield (key, str(result))
        return
        yield


if __name__ == "__main__":
    IpAddresses.run()
