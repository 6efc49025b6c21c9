"""Unit tests for quazyilx.py. Run:  python3 -m unittest quazyilx_test

Add your own: every sensor failed, none failed, extra spaces, a line that is not a reading.
"""
import unittest

from quazyilx import Quazyilx


class QuazyilxTest(unittest.TestCase):
    def test_fields(self):
        q = Quazyilx("2016-06-01T00:01:07Z fnard:17 fnok:-3 cark:44 gnuck:2\n")
        self.assertEqual(q.row(), ("2016-06-01T00:01:07Z", 17, -3, 44, 2))

    def test_not_a_reading(self):
        with self.assertRaises(ValueError):
            Quazyilx("hello world")

    # TODO: more tests


if __name__ == "__main__":
    unittest.main()
