"""tools/readme-results: replaces exactly the text between its markers with
what the tools produce, and fails with exit 2 when a marker is missing."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(__file__)
TOOL = os.path.join(HERE, "..", "..", "readme-results")
GOOD_CSV = os.path.join(HERE, "data", "good.csv")
PLOT = os.path.join(HERE, "..", "..", "plot")

README = """# project

Before.
<!-- default-comparison:begin -->
stale tables
<!-- default-comparison:end -->
Middle.
<!-- claims:begin -->
- stale claim
<!-- claims:end -->
After.
"""


class ReadmeResults(unittest.TestCase):
    def setUp(self):
        self.results = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.results)
        shutil.copy(GOOD_CSV, os.path.join(self.results, "latest.csv"))
        done = subprocess.run([sys.executable, PLOT, GOOD_CSV, "--out", self.results], capture_output=True,
                              text=True, check=False)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.readme = os.path.join(self.results, "README-under-test.md")

    def run_tool(self, text: str):
        with open(self.readme, "w", encoding="utf-8") as out:
            out.write(text)
        done = subprocess.run([sys.executable, TOOL, "--readme", self.readme, "--results", self.results],
                              capture_output=True, text=True, check=False)
        with open(self.readme, encoding="utf-8") as source:
            return done, source.read()

    def test_only_the_marked_sections_change(self):
        done, text = self.run_tool(README)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertNotIn("stale", text)
        self.assertIn("#### throughput: msgs/s", text)  # nested one level down
        with open(os.path.join(self.results, "claims.json"), encoding="utf-8") as source:
            for claim in json.load(source)["claims"]:
                self.assertIn(f"- **{claim['question']}:**", text)
        for kept in ("Before.\n<!-- default-comparison:begin -->\n", "<!-- default-comparison:end -->\nMiddle.",
                     "<!-- claims:end -->\nAfter.\n"):
            self.assertIn(kept, text)

    def test_a_missing_marker_exits_two_and_changes_nothing(self):
        broken = README.replace("<!-- claims:end -->\n", "")
        done, text = self.run_tool(broken)
        self.assertEqual(done.returncode, 2)
        self.assertIn("claims:begin/end", done.stderr)
        self.assertEqual(text, broken)


if __name__ == "__main__":
    unittest.main()
