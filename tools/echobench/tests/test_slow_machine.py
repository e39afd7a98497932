"""tools/slow-machine: each mode is in force while its command runs (seen
from inside the command), the command's exit status is the script's, and
everything the mode set up is gone afterwards, also when the script is
stopped by a signal in the middle. quota needs root (cgroup v1); those
tests are skipped with that reason otherwise."""

import glob
import os
import signal
import subprocess
import time
import unittest

HERE = os.path.dirname(__file__)
SLOW = os.path.join(HERE, "..", "..", "slow-machine")
CPU_CGROUP = "/sys/fs/cgroup/cpu"
CAN_QUOTA = os.geteuid() == 0 and os.access(os.path.join(CPU_CGROUP, "cgroup.procs"), os.W_OK)


def slow(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([SLOW, *args], capture_output=True, text=True, timeout=timeout, check=False)


def leftovers() -> list[str]:
    """What any slow-machine run could leave: its work directory, its cgroup."""
    return glob.glob("/tmp/echo-slow-machine.*") + glob.glob(os.path.join(CPU_CGROUP, "echo-slow-machine.*"))


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


class SlowMachine(unittest.TestCase):
    def setUp(self):
        self.before = set(leftovers())

    def tearDown(self):
        self.assertEqual(set(leftovers()) - self.before, set(), "slow-machine left something behind")

    def test_bad_usage_exits_two(self):
        self.assertEqual(slow().returncode, 2)
        self.assertEqual(slow("slower", "--", "true").returncode, 2)
        self.assertEqual(slow("contention", "--load", "x", "--", "true").returncode, 2)
        self.assertEqual(slow("contention", "--load", "101", "--", "true").returncode, 2)

    def test_a_failing_command_keeps_its_exit_status(self):
        for mode in ["contention", "fork-cost"] + (["quota", "all"] if CAN_QUOTA else []):
            with self.subTest(mode=mode):
                self.assertEqual(slow(mode, "--", "sh", "-c", "exit 7").returncode, 7)
                self.assertEqual(slow(mode, "--", "true").returncode, 0)

    def test_contention_runs_stress_ng_only_while_the_command_runs(self):
        done = slow("contention", "--", "sh", "-c", "ps -o pgid= -C stress-ng | sort -u")
        self.assertEqual(done.returncode, 0, done.stderr)
        groups = [int(word) for word in done.stdout.split()]
        self.assertTrue(groups, "no stress-ng was running during the command")
        ours = [g for g in groups if f"process group {g}" in done.stderr]
        self.assertEqual(len(ours), 1, done.stderr)
        self.assertFalse(group_alive(ours[0]), "stress-ng outlived the command")

    def test_fork_cost_charges_each_child_the_extra_cpu(self):
        # The child's own CPU clock right after fork: the shim's burn is in it.
        probe = ("import os, time\n"
                 "pid = os.fork()\n"
                 "if pid == 0:\n"
                 "    print(time.process_time(), flush=True)\n"
                 "    os._exit(0)\n"
                 "os.waitpid(pid, 0)\n")
        done = slow("fork-cost", "--fork-us", "3000", "--", "/usr/bin/python3", "-c", probe)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertGreaterEqual(float(done.stdout), 0.003)
        plain = subprocess.run(["/usr/bin/python3", "-c", probe], capture_output=True, text=True, check=True)
        self.assertLess(float(plain.stdout), float(done.stdout))

    @unittest.skipUnless(CAN_QUOTA, "the quota mode needs root and the cgroup v1 cpu controller")
    def test_quota_puts_the_whole_tree_in_a_cgroup_with_the_quota(self):
        done = slow("quota", "--quota", "50", "--", "sh", "-c",
                    "path=$(sed -n 's/^[0-9]*:cpu:\\(.*\\)/\\1/p' /proc/self/cgroup); "
                    "echo $path; cat /sys/fs/cgroup/cpu$path/cpu.cfs_quota_us "
                    "/sys/fs/cgroup/cpu$path/cpu.cfs_period_us")
        self.assertEqual(done.returncode, 0, done.stderr)
        path, quota, period = done.stdout.split()
        self.assertRegex(path, r"^/echo-slow-machine\.\d+$")
        self.assertEqual(int(quota), int(period) * os.cpu_count() * 50 // 100)
        self.assertFalse(os.path.exists(CPU_CGROUP + path), "the cgroup is still there")

    @unittest.skipUnless(CAN_QUOTA, "the all mode needs root (its quota part)")
    def test_a_signal_mid_command_undoes_everything(self):
        for sig, status in [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGHUP, 129)]:
            with self.subTest(signal=sig):
                run = subprocess.Popen([SLOW, "all", "--", "sleep", "60"], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, text=True, start_new_session=True)
                try:
                    # Wait for the set-up itself: the cgroup holds the command.
                    deadline = time.monotonic() + 60
                    ready = False
                    while not ready and time.monotonic() < deadline and run.poll() is None:
                        time.sleep(0.05)
                        for cgroup in set(glob.glob(CPU_CGROUP + "/echo-slow-machine.*")) - self.before:
                            with open(os.path.join(cgroup, "cgroup.procs")) as procs:
                                ready = ready or bool(procs.read().split())
                    self.assertTrue(ready, "the command never ran in the cgroup")
                    run.send_signal(sig)
                    _, err = run.communicate(timeout=30)
                finally:
                    if run.poll() is None:
                        os.killpg(run.pid, signal.SIGKILL)
                        run.communicate()
                self.assertEqual(run.returncode, status, err)
                stress = [int(word) for word in err.split("process group ")[1].split(")")[:1]]
                self.assertFalse(group_alive(stress[0]), "stress-ng outlived the signal")
                self.assertEqual(set(leftovers()) - self.before, set())


if __name__ == "__main__":
    unittest.main()
