#pragma once
// Writes a LatencyHistogram in HdrHistogram's "percentile distribution" text
// format (the .hgrm files that HdrHistogram's plotter and wrk2 use): a header,
// rows of `Value Percentile TotalCount 1/(1-Percentile)` at percentile levels
// that halve the remaining distance every 5 ticks, and a 3-line footer.

#include <ostream>

#include "latency_histogram.hpp"

namespace echo {

/// Values are printed in milliseconds with 3 decimals (HdrHistogram's
/// plotter labels its axis in milliseconds).
void write_hgrm(std::ostream& out, const LatencyHistogram& histogram);

}  // namespace echo
