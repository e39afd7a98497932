"""Reads HdrHistogram interval logs (.hlog, log format 1.3 with V2
compressed histograms): what echo-load --hlog writes, and what HdrHistogram's
HistogramLogWriter writes. Written from the format's specification (see
clients/hdr_interval_log.hpp for the layout); the standard library's zlib
and base64 do the unwrapping.

A decoded histogram is a dict {counts index: count}; `value_at_percentile`
and `highest_equivalent` follow HdrHistogram's bucket layout for the
parameters in each histogram's header, so histograms from several load
generators merge exactly by adding counts index by index.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from dataclasses import dataclass, field

COOKIE = 0x1C849313
COMPRESSED_COOKIE = 0x1C849314
HEADER = struct.Struct(">iiiiqqd")  # cookie, payload length, offset, digits, lowest, highest, ratio


class HlogError(ValueError):
    """The input is not a V2 interval log."""


@dataclass
class Histogram:
    significant_digits: int
    lowest: int
    highest: int
    counts: dict[int, int] = field(default_factory=dict)

    @property
    def sub_bucket_count(self) -> int:
        return 2 ** math.ceil(math.log2(2 * 10 ** self.significant_digits))

    @property
    def unit_magnitude(self) -> int:
        return int(math.floor(math.log2(self.lowest)))

    def total(self) -> int:
        return sum(self.counts.values())

    def lowest_equivalent(self, index: int) -> int:
        half = self.sub_bucket_count // 2
        bucket = max(0, index // half - 1)
        sub = index - bucket * half if index >= self.sub_bucket_count else index
        return sub << (bucket + self.unit_magnitude)

    def highest_equivalent(self, index: int) -> int:
        half = self.sub_bucket_count // 2
        bucket = max(0, index // half - 1)
        return self.lowest_equivalent(index) + (1 << (bucket + self.unit_magnitude)) - 1

    def value_at_percentile(self, percentile: float) -> int:
        """The highest value equivalent to the bucket that holds the
        ceil(percentile% x total)-th smallest value (0 when empty)."""
        total = self.total()
        if total == 0:
            return 0
        wanted = max(1, math.ceil(percentile / 100 * total))
        seen = 0
        for index in sorted(self.counts):
            seen += self.counts[index]
            if seen >= wanted:
                return self.highest_equivalent(index)
        return self.highest_equivalent(max(self.counts))

    def add(self, other: "Histogram") -> None:
        if (other.significant_digits, other.lowest) != (self.significant_digits, self.lowest):
            raise HlogError("histograms with different layouts cannot be added")
        for index, count in other.counts.items():
            self.counts[index] = self.counts.get(index, 0) + count


@dataclass
class Interval:
    start_s: float  # from the log's base time
    length_s: float
    max_ms: float
    histogram: Histogram
    tag: str = ""


@dataclass
class IntervalLog:
    start_time_s: float | None
    base_time_s: float | None
    intervals: list[Interval]


def read_zigzag_leb128(data: bytes, at: int) -> tuple[int, int]:
    """One ZigZag LEB128-64b9B word at `at`; returns (value, next offset)."""
    result = 0
    for byte_index in range(9):
        if at >= len(data):
            raise HlogError("payload ends inside a word")
        byte = data[at]
        at += 1
        if byte_index == 8:  # the 9th byte carries 8 bits
            result |= byte << 56
            break
        result |= (byte & 0x7F) << (7 * byte_index)
        if not byte & 0x80:
            break
    return (result >> 1) ^ -(result & 1), at


def decode_histogram(data: bytes) -> Histogram:
    """The uncompressed V2 encoding (cookie 0x1c849313)."""
    if len(data) < HEADER.size:
        raise HlogError("shorter than a V2 header")
    cookie, payload_length, offset, digits, lowest, highest, _ratio = HEADER.unpack_from(data)
    if cookie & ~0xF0 != COOKIE & ~0xF0:
        raise HlogError(f"cookie {cookie:#x} is not a V2 encoding")
    if offset != 0:
        raise HlogError("a normalizing index offset is not supported")
    payload = data[HEADER.size:HEADER.size + payload_length]
    if len(payload) != payload_length:
        raise HlogError("payload shorter than its length field")
    histogram = Histogram(digits, lowest, highest)
    index, at = 0, 0
    while at < len(payload):
        value, at = read_zigzag_leb128(payload, at)
        if value < 0:
            index += -value  # a run of zero counts
        else:
            if value:
                histogram.counts[index] = value
            index += 1
    return histogram


def decode_compressed(data: bytes) -> Histogram:
    """The compressed V2 encoding (cookie 0x1c849314): zlib of the above."""
    if len(data) < 8:
        raise HlogError("shorter than a compressed header")
    cookie, length = struct.unpack_from(">ii", data)
    if cookie & ~0xF0 != COMPRESSED_COOKIE & ~0xF0:
        raise HlogError(f"cookie {cookie:#x} is not a compressed V2 encoding")
    try:
        return decode_histogram(zlib.decompress(data[8:8 + length]))
    except zlib.error as error:
        raise HlogError(f"bad zlib stream: {error}") from error


def _seconds_after(line: str, label: str) -> float:
    try:
        return float(line[len(label):].split()[0].rstrip(","))
    except (IndexError, ValueError) as error:
        raise HlogError(f"unreadable line {line!r}") from error


def parse(text: str) -> IntervalLog:
    """Every interval of a log, in order."""
    start = base = None
    intervals = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("#[StartTime: "):
            start = _seconds_after(line, "#[StartTime: ")
        elif line.startswith("#[BaseTime: "):
            base = _seconds_after(line, "#[BaseTime: ")
        elif line.startswith("#") or line.startswith('"StartTimestamp"'):
            continue
        else:
            tag = ""
            if line.startswith("Tag="):
                tag, line = line[4:].split(",", 1)
            parts = line.split(",")
            if len(parts) != 4:
                raise HlogError(f"line {number}: expected 4 fields, got {len(parts)}")
            try:
                histogram = decode_compressed(base64.b64decode(parts[3], validate=True))
                intervals.append(Interval(float(parts[0]), float(parts[1]), float(parts[2]), histogram, tag))
            except (ValueError, HlogError) as error:
                raise HlogError(f"line {number}: {error}") from error
    return IntervalLog(start, base, intervals)


def read(path: str) -> IntervalLog:
    with open(path, encoding="ascii") as source:
        return parse(source.read())
