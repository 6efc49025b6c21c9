"""Unit tests for fwiki.py. Run:  python3 -m unittest fwiki_test"""
import unittest

import fwiki


class ParseTest(unittest.TestCase):
    def test_garbage_is_none(self):
        self.assertIsNone(fwiki.parse("not a log line"))

    # TODO: a typical line, a POST, a size of '-', a request with spaces in the user agent


if __name__ == "__main__":
    unittest.main()
