"""Logs on one UTC timeline.

- :mod:`analyzer.logs.formats`: the line formats and their sniffing;
- :mod:`analyzer.logs.scan`: :class:`~analyzer.logs.scan.LogScanner`, records from bytes;
- :mod:`analyzer.logs.timeutil`: timestamps and :func:`~analyzer.logs.timeutil.to_utc`;
- :mod:`analyzer.logs.signature`: message signatures and folding of repeats;
- :mod:`analyzer.logs.incidents`: bursts of errors across nodes;
- :mod:`analyzer.logs.clock`: clock offsets between nodes.
"""
