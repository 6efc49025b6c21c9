"""Unit tests for quazyilx.py, in pytest's style: plain test_ functions that assert.
Run:  python3 -m pytest quazyilx_test.py

Add your own: every sensor failed, none failed, extra spaces, a line that is not a reading.
"""
import pytest

from quazyilx import Quazyilx


def test_fields():
    q = Quazyilx("2016-06-01 00:01:07 fnard:17 fnok:-3 cark:44 gnuck:2\n")
    assert q.row() == ("2016-06-01 00:01:07", 17, -3, 44, 2)


def test_not_a_reading():
    with pytest.raises(ValueError):
        Quazyilx("hello world")


# TODO: more tests
