#!/usr/bin/env python3
"""Unit tests for mtr_fix.py. Run:  python3 -m unittest mtr_fix_test

Add your own tests: a hop with a host name, one without, a `???` hop, two runs in a row, a line
with unusual spacing. `npm run check -- A4` runs this file and reports each test.
"""
import unittest

import mtr_fix

HEADER = "HOST: ip-10-1-2-3                           Loss%   Snt   Last   Avg  Best  Wrst StDev\n"


class TidyTest(unittest.TestCase):
    def test_header_only_gives_no_rows(self):
        self.assertEqual(list(mtr_fix.tidy(["Start: 2017-01-01T00:00:00Z\n", HEADER])), [])

    def test_no_reply_hop_gives_no_row(self):
        self.assertIsNone(mtr_fix.parse_hop("  4.|-- ???     100.0%    10    0.0   0.0   0.0   0.0   0.0\n"))

    # TODO: more tests


if __name__ == "__main__":
    unittest.main()
