#!/usr/bin/env python3
"""A3 q3_links: How often each link (one hop's address followed by the next hop's, in the same run) is seen.

Input: mtr report logs (see data/mtr-sample.txt): each run starts with a `Start:` line, then a
header, then one line per hop:

    "  3.|-- 100.66.11.98      0.0%    10    9.4   8.2   6.6   9.4   1.0"

Output: IP1->IP2<TAB>COUNT, one line per link.

Run locally:  python3 q3_links.py data/mtr-sample.txt
On EMR:       python3 q3_links.py -r emr s3://BUCKET/LOGS/ --output-dir s3://YOURBUCKET/q3_links/
"""
from mrjob.job import MRJob
from mrjob.protocol import TextProtocol


class Links(MRJob):
    # Writes key<TAB>value as plain text (mrjob's default is JSON); keys and values must be str.
    OUTPUT_PROTOCOL = TextProtocol

    def mapper(self, _, line):
        # TODO: mapper: you need consecutive hops of one run; think about what a mapper sees (one line) and how to keep state between lines (mapper_init / self)
        return
        yield

    def reducer(self, key, values):
        # TODO: combine the values for one key and yield (key, str(result))
        return
        yield


if __name__ == "__main__":
    Links.run()
