#!/usr/bin/env python3
"""A3 q1_hostnames: How many times each host name appears as a hop (hops without a name are left out).

Input: mtr report logs (see data/mtr-sample.txt): each run starts with a `Start:` line, then a
header, then one line per hop:

    "  3.|-- 100.66.11.98      0.0%    10    9.4   8.2   6.6   9.4   1.0"

Output: HOSTNAME<TAB>COUNT, one line per name.

Run locally:  python3 q1_hostnames.py data/mtr-sample.txt
On EMR:       python3 q1_hostnames.py -r emr s3://BUCKET/LOGS/ --output-dir s3://YOURBUCKET/q1_hostnames/
"""
from mrjob.job import MRJob
from mrjob.protocol import TextProtocol


class HostNames(MRJob):
    # Writes key<TAB>value as plain text (mrjob's default is JSON); keys and values must be str.
    OUTPUT_PROTOCOL = TextProtocol

    def mapper(self, _, line):
        # TODO: mapper: yield (hostname, 1) for each hop line that shows a name
        return
        yield

    def reducer(self, key, values):
        # TODO: combine the values for one key and yield (key, str(result))
        return
        yield


if __name__ == "__main__":
    HostNames.run()
