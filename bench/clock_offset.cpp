#include "clock_offset.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace echo::bench {

ClockOffset estimate_clock_offset(const std::vector<ClockProbe>& probes) {
  if (probes.empty()) throw std::invalid_argument("no clock probe to estimate an offset from");
  const ClockProbe* best = nullptr;
  for (const ClockProbe& probe : probes) {
    if (probe.received_s < probe.sent_s) {
      throw std::invalid_argument("a clock probe came back before it was sent");
    }
    if (!best || probe.received_s - probe.sent_s < best->received_s - best->sent_s) best = &probe;
  }
  const double round_trip = best->received_s - best->sent_s;
  return {best->remote_s - (best->sent_s + round_trip / 2), round_trip / 2};
}

std::string clock_offset_refusal(const std::string& host, const ClockOffset& clock,
                                 double window_s) {
  const double limit = window_s / 10;
  if (std::abs(clock.offset_s) <= limit && clock.uncertainty_s <= limit) return "";
  char text[400];
  std::snprintf(text, sizeof text,
                "the clock of %s is %+.3f ms from ours (+/- %.3f ms), more than a tenth of the "
                "%.3f s window: its load would start out of step with the others; synchronise "
                "the clocks (chrony, systemd-timesyncd) or measure a longer window",
                host.c_str(), clock.offset_s * 1e3, clock.uncertainty_s * 1e3, window_s);
  return text;
}

}  // namespace echo::bench
