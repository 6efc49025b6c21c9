#!/usr/bin/env python3
"""A2 q5 (extra credit) driver: run the top-10 job with a combiner and one reducer, and save
q5_top_10.txt.

Usage (on the master node):  python3 q5_run.py s3://BUCKET/LOGS
"""
import sys


def main(argv):
    # TODO: as q4_run.py, adding -combiner and -numReduceTasks 1
    raise NotImplementedError("write q5_run.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
