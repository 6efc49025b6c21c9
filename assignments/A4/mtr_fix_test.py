#!/usr/bin/env python3
"""Unit tests for mtr_fix.py, in pytest's style: plain test_ functions that assert.
Run:  python3 -m pytest mtr_fix_test.py

Add your own tests: a hop with a host name, one without, a `???` hop, two runs in a row, a line
with unusual spacing. `npm run check -- A4` runs this file and reports each test.
"""
import mtr_fix

HEADER = "HOST: ip-10-1-2-3                           Loss%   Snt   Last   Avg  Best  Wrst StDev\n"


def test_header_only_gives_no_rows():
    assert list(mtr_fix.tidy(["Start: 2017-01-01T00:00:00Z\n", HEADER])) == []


def test_no_reply_hop_gives_no_row():
    assert mtr_fix.parse_hop("  4.|-- ???     100.0%    10    0.0   0.0   0.0   0.0   0.0\n") is None


# TODO: more tests
