"""The Python end of echo-bench-agent against the real agent: it starts and
pins the server where echo-bench would, measures its CPU, and a server that
cannot start or ends badly is an error, never a number. Needs ECHO_BUILD."""

import os
import socket
import unittest

from echobench.agent_client import Agent

BUILD = os.environ.get("ECHO_BUILD", "")


@unittest.skipUnless(BUILD, "set ECHO_BUILD to a build directory")
class AgentClient(unittest.TestCase):
    def server(self, *args: str) -> list[str]:
        return [os.path.join(BUILD, "servers", "echo-server"), "--port", "0", *args]

    def test_a_server_is_started_pinned_measured_and_stopped(self):
        agent = Agent(BUILD, self.server("--model", "thread-per-connection"))
        try:
            before = agent.server_cpu_s()
            with socket.create_connection(("127.0.0.1", agent.port), timeout=30) as client:
                for _ in range(2000):
                    client.sendall(b"x" * 64)
                    got = b""
                    while len(got) < 64:
                        got += client.recv(64 - len(got))
                    self.assertEqual(got, b"x" * 64)
            after = agent.server_cpu_s()
            self.assertGreater(after, before)  # 2,000 echoes cost the server something
            cpus = sorted(os.sched_getaffinity(0))
            # echo-bench's split: the client the lower half (with the odd CPU), the server the rest
            expected = cpus[:len(cpus) - len(cpus) // 2] if len(cpus) > 1 else cpus
            self.assertEqual(agent.client_cpus(), ",".join(map(str, expected)) if len(expected) == 1
                             else f"{expected[0]}-{expected[-1]}")
            agent.stop()
        finally:
            agent.close()

    def test_a_server_that_cannot_start_is_an_error(self):
        with self.assertRaisesRegex(RuntimeError, "echo-bench-agent answered .error .*unknown model"):
            Agent(BUILD, self.server("--model", "no-such-model"))


if __name__ == "__main__":
    unittest.main()
