#!/usr/bin/env python3
"""A2 q4 driver: run the hits-per-month job on the cluster and save q4_monthly.txt.

Usage (on the master node):  python3 q4_run.py s3://BUCKET/LOGS

Runs Hadoop Streaming with q4_mapper.py and q4_reducer.py, then collects the job's output
(`hdfs dfs -cat OUTPUT/part-*`) into q4_monthly.txt, sorted by month.
"""
import subprocess
import sys


def main(argv):
    # TODO: like q2_python.py, build and run the streaming command, then gather its output
    raise NotImplementedError("write q4_run.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
