"""Unit tests for fwiki.py, in pytest's style. Run:  python3 -m pytest fwiki_test.py"""
import fwiki


def test_garbage_is_none():
    assert fwiki.parse("not a log line") is None


# TODO: a typical line, a POST, a size of '-', a request with spaces in the user agent
