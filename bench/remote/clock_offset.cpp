#include "clock_offset.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace echo::bench {

ClockOffset estimate_clock_offset(const std::vector<ClockProbe>& probes) {
  if (probes.empty()) throw std::invalid_argument("no clock probe to estimate an offset from");
  const auto round_trip = [](const ClockProbe& p) { return p.received_s - p.sent_s; };
  const ClockProbe* best = &probes.front();
  for (const ClockProbe& probe : probes) {
    if (round_trip(probe) < 0) {
      throw std::invalid_argument("a clock probe came back before it was sent");
    }
    if (round_trip(probe) < round_trip(*best)) best = &probe;
  }
  const double half = round_trip(*best) / 2;
  return {best->remote_s - (best->sent_s + half), half};
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
