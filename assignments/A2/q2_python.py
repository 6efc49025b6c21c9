#!/usr/bin/env python3
"""A2 q2 driver: run the filter on the cluster with Hadoop Streaming and time it.

Usage (on the master node):  python3 q2_python.py s3://BUCKET/INPUT NODES

Runs one streaming job over INPUT with q2_mapper.py and q2_reducer.py, times it, and appends one
line to q2_results.txt:

    {"input": "s3://...", "nodes": 3, "seconds": 81.4}

(json.dumps of a dict with the keys in that order writes exactly this form.)
"""
import json
import subprocess
import sys
import time

STREAMING_JAR = "/usr/lib/hadoop/hadoop-streaming.jar"


def streaming_command(source, output):
    """The `hadoop jar ...` command as a list: -files, -mapper, -reducer, -input, -output."""
    # TODO: build the command; the output folder must not exist yet
    raise NotImplementedError("write streaming_command")


def main(argv):
    if len(argv) != 3:
        print("usage: python3 q2_python.py s3://BUCKET/INPUT NODES", file=sys.stderr)
        return 2
    source, nodes = argv[1], int(argv[2])
    output = "q2_output_%d" % int(time.time())
    t0 = time.monotonic()
    subprocess.run(streaming_command(source, output), check=True)
    seconds = round(time.monotonic() - t0, 1)
    with open("q2_results.txt", "a") as f:
        f.write(json.dumps({"input": source, "nodes": nodes, "seconds": seconds}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
