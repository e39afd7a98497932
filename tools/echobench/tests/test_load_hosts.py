"""tools/load-hosts-table: medians per case, each host's rate beside the
merged one, and a case that failed in any repetition shown as failed."""

import json
import os
import tempfile
import unittest

from echobench.results import load_hosts

CASE = "throughput/tcp/epoll-reactor/conns:16/size:64/iterations:1/repeats:3/manual_time"


def run(rep: int, msgs: float, host1: float, host2: float, p99: float, error: str = "") -> dict:
    entry = {"name": CASE, "run_name": CASE, "run_type": "iteration", "repetition_index": rep}
    if error:
        entry.update(error_occurred=True, error_message=error)
        return entry
    entry.update(msgs_per_s=msgs, host1_msgs_per_s=host1, host2_msgs_per_s=host2, load_hosts=2, p99_us=p99,
                 server_cpu_us_per_msg=7.0, client_cpu_util=0.95, client_bound=1)
    return entry


class LoadHostsTable(unittest.TestCase):
    def write(self, runs: list[dict]) -> str:
        handle, path = tempfile.mkstemp(suffix=".json")
        with os.fdopen(handle, "w") as out:
            json.dump({"context": {}, "benchmarks": runs}, out)
        self.addCleanup(os.remove, path)
        return path

    def test_medians_with_each_hosts_share(self):
        path = self.write([run(0, 100_000, 50_000, 50_000, 300), run(1, 120_000, 61_000, 59_000, 500),
                           run(2, 90_000, 45_000, 45_000, 400)])
        text = load_hosts.table([("two", path)])
        row = [line for line in text.splitlines() if "epoll-reactor" in line][0]
        self.assertIn("| 100,000 (50,000 + 50,000) | 400 | 7.00 | 95% ‡ |", row)

    def test_a_failed_repetition_fails_the_case(self):
        path = self.write([run(0, 100_000, 50_000, 50_000, 300),
                           run(1, 0, 0, 0, 0, error="load host echo-load-2: exit status 1")])
        text = load_hosts.table([("two", path)])
        self.assertIn("failed: load host echo-load-2", text)
        self.assertNotIn("100,000", text)


if __name__ == "__main__":
    unittest.main()
