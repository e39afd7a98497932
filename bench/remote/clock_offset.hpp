#pragma once
// How far another host's wall clock is from ours, measured the way NTP does
// it: ask for the time, note when the question left and the answer came
// back; the host read its clock somewhere in between, so the offset is its
// reading minus the midpoint, give or take half the round trip. Of several
// probes the one with the shortest round trip is the most certain.
//
// Several load hosts start together at one wall-clock moment (echo-load
// --start-at), each converted to its own clock with this offset. An offset
// that is large, or too uncertain, against the measured window would skew
// the hosts' windows against each other, so the case is refused instead.

#include <string>
#include <vector>

namespace echo::bench {

struct ClockProbe {
  double sent_s = 0;      ///< our clock when the request left
  double remote_s = 0;    ///< the host's clock, as it answered
  double received_s = 0;  ///< our clock when the answer came
};

struct ClockOffset {
  double offset_s = 0;       ///< the host's clock minus ours
  double uncertainty_s = 0;  ///< half the round trip of the probe used
};

/// The estimate from the probe with the shortest round trip; throws
/// std::invalid_argument for no probes or a probe answered before it left.
ClockOffset estimate_clock_offset(const std::vector<ClockProbe>& probes);

/// Why a case must not run with this host's clock ("" if it may): the
/// offset or its uncertainty is more than a tenth of the measured window.
std::string clock_offset_refusal(const std::string& host, const ClockOffset& clock,
                                 double window_s);

}  // namespace echo::bench
