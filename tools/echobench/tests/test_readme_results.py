"""tools/readme-results: every block is made from its source and nothing
else changes; --check fails naming file and line when a number in a block
was edited by hand, or a measured number stands in the prose; and the
repository's own README and docs/ pass --check."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(__file__)
TOOL = os.path.join(HERE, "..", "..", "readme-results")
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
GOOD_CSV = os.path.join(HERE, "data", "good.csv")
PLOT = os.path.join(HERE, "..", "..", "plot")

README = """# project

Before, with 5 repetitions and 2 cores (counts, not measurements).
<!-- generated: decision-table results/run -->
stale table
<!-- end generated -->
Middle.
<!-- generated: tables results/run -->
stale tables
<!-- end generated -->
After.
"""
DOC = """# a page

<!-- generated: verdicts results/run -->
- stale claim
<!-- end generated -->
"""


def tool(root, *args):
    return subprocess.run([sys.executable, TOOL, "--root", root, *args], capture_output=True, text=True,
                          check=False)


class ReadmeResults(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.root)
        results = os.path.join(self.root, "results", "run")
        os.makedirs(results)
        os.makedirs(os.path.join(self.root, "docs"))
        # good.csv, and a question with five repetitions of two models to decide.
        csv_path = os.path.join(results, "latest.csv")
        shutil.copy(GOOD_CSV, csv_path)
        with open(csv_path, "a", encoding="utf-8") as out:
            for model, rate in (("thread-pool", 9000), ("asio-coroutine", 5000)):
                for repetition in range(5):
                    out.write(f"cpu-work/tcp/{model}/conns:16/size:64/work_us:100,cpu-work,tcp,{model},16,64,,100,,"
                              f"{repetition},,{rate + repetition},,,,,\n")
        done = subprocess.run([sys.executable, PLOT, csv_path, "--out", results], capture_output=True, text=True,
                              check=False)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.write("README.md", README)
        self.write(os.path.join("docs", "page.md"), DOC)

    def write(self, path, text):
        with open(os.path.join(self.root, path), "w", encoding="utf-8") as out:
            out.write(text)

    def read(self, path):
        with open(os.path.join(self.root, path), encoding="utf-8") as source:
            return source.read()

    def test_blocks_are_made_from_their_sources_and_nothing_else_changes(self):
        done = tool(self.root)
        self.assertEqual(done.returncode, 0, done.stderr)
        readme, page = self.read("README.md"), self.read(os.path.join("docs", "page.md"))
        self.assertNotIn("stale", readme + page)
        self.assertIn("#### throughput: msgs/s", readme)  # nested one level down
        self.assertIn("| load | verdict |", readme)
        self.assertIn("- **Most messages per second when each costs CPU:**", page)
        for kept in ("Before, with 5 repetitions", "<!-- end generated -->\nMiddle.", "<!-- end generated -->\nAfter.\n"):
            self.assertIn(kept, readme)
        self.assertEqual(tool(self.root, "--check").returncode, 0)

    def test_a_number_edited_by_hand_fails_the_check_naming_file_and_line(self):
        self.assertEqual(tool(self.root).returncode, 0)
        readme = self.read("README.md")
        lines = readme.splitlines()
        number = next(i for i, line in enumerate(lines) if "100,000 ±" in line)
        lines[number] = lines[number].replace("100,000 ±", "100,001 ±")
        self.write("README.md", "\n".join(lines) + "\n")
        done = tool(self.root, "--check")
        self.assertEqual(done.returncode, 1)
        self.assertIn(f"README.md:{number + 1}: generated block 'tables results/run' differs", done.stderr)

    def test_a_measured_number_in_the_prose_is_a_finding(self):
        self.assertEqual(tool(self.root).returncode, 0)
        self.write(os.path.join("docs", "page.md"), self.read(os.path.join("docs", "page.md"))
                   + "\nThis model is 1.38× faster, at 17 µs per message (`--duration 3 s` is code).\n")
        done = tool(self.root, "--check")
        self.assertEqual(done.returncode, 1)
        self.assertIn("page.md:", done.stderr)
        self.assertIn("'1.38×'", done.stderr)
        self.assertIn("'17 µs'", done.stderr)
        self.assertNotIn("3 s'", done.stderr)

    def test_an_unknown_kind_or_source_exits_two_and_writes_nothing(self):
        self.write("README.md", README.replace("tables results/run", "tables results/missing"))
        done = tool(self.root)
        self.assertEqual(done.returncode, 2)
        self.assertIn("results/missing", done.stderr)
        self.assertIn("stale tables", self.read("README.md"))


class ThisRepository(unittest.TestCase):
    def test_the_readme_and_docs_match_the_results_and_carry_no_hand_typed_number(self):
        done = tool(ROOT, "--check")
        self.assertEqual(done.returncode, 0, done.stderr)


if __name__ == "__main__":
    unittest.main()
