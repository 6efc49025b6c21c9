#!/usr/bin/env python3
"""EXAMPLE (synthetic) extra credit: time a streaming search for malfunction readings."""
import datetime
import subprocess
import sys
import time

MALFUNCTION = " fnard:-1 fnok:-1 cark:-1 gnuck:-1"


def count_malfunctions(source_url):
    if not source_url.startswith("s3://"):
        with open(source_url) as f:
            return sum(1 for line in f if line.rstrip("\n").endswith(MALFUNCTION))
    proc = subprocess.Popen(["aws", "s3", "cp", source_url, "-"], stdout=subprocess.PIPE, text=True)
    count = sum(1 for line in proc.stdout if line.rstrip("\n").endswith(MALFUNCTION))
    proc.wait()
    return count


def main(argv):
    source_url, output = argv[1], argv[2]
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    t0 = time.monotonic()
    n = count_malfunctions(source_url)
    with open(output, "w") as f:
        f.write(f"date: {started}\nmode: streaming\nstreaming: {time.monotonic() - t0:.1f}\nmalfunctions: {n}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
