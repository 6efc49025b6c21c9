"""A5: a parser for the quazyilx sensor log.

Each line is a timestamp and four readings, for example

    2016-06-01 00:01:07 fnard:17 fnok:-3 cark:44 gnuck:2

A reading of -1 means that sensor failed.
"""


class Quazyilx:
    """One reading. Attributes: datetime (the timestamp, a str, as in the file) and fnard, fnok,
    cark, gnuck (ints)."""

    def __init__(self, line):
        """Parse `line` (with or without its newline). Raise ValueError if it is not a reading."""
        # TODO: split the line and fill in the five attributes
        raise NotImplementedError("write Quazyilx.__init__")

    def failed(self):
        """The names of the sensors that failed on this reading, in file order (a list)."""
        # TODO
        raise NotImplementedError("write Quazyilx.failed")

    def row(self):
        """The reading as a tuple (datetime, fnard, fnok, cark, gnuck), e.g. for a Spark Row."""
        return (self.datetime, self.fnard, self.fnok, self.cark, self.gnuck)
