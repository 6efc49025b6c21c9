#!/usr/bin/env python3
"""A1 extra credit: time a streaming search of an S3 object for malfunction readings.

Usage: python3 streaming-time.py SOURCE OUTPUT.yaml

SOURCE is an S3 URL (s3://BUCKET/KEY), streamed with `aws s3 cp SOURCE -`, or a local file, read
directly (try it on a sample of the data, without AWS).
Searches for lines whose four readings are all -1, without keeping a local copy, and writes a
q4-style YAML report (date, mode, streaming, malfunctions) to OUTPUT.yaml.
"""
import datetime
import subprocess
import sys
import time


def count_malfunctions(source_url):
    """Return the number of malfunction lines in the S3 object (or local file) at source_url.

    Hint: for an s3:// URL start `aws s3 cp SOURCE -` with subprocess.Popen(stdout=subprocess.PIPE)
    and read its output line by line; do not load the whole object into memory. Open anything
    else as a local file.
    """
    raise NotImplementedError("write count_malfunctions")


def write_report(path, started, seconds, malfunctions):
    """Write the YAML report. PyYAML is installed on your instance; plain writes work too."""
    raise NotImplementedError("write write_report")


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    source_url, output = argv[1], argv[2]
    started = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.monotonic()
    malfunctions = count_malfunctions(source_url)
    write_report(output, started, time.monotonic() - t0, malfunctions)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
