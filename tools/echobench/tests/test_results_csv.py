"""The results CSV reader: typed rows, and errors that name file, line and column."""

import os
import unittest

from echobench.results.gbench import case_name, parse_case_name
from echobench.results.results_csv import ResultsCsvError, read_results, successful

DATA = os.path.join(os.path.dirname(__file__), "data")


def data(name: str) -> str:
    return os.path.join(DATA, name)


class ReadResults(unittest.TestCase):
    def test_numbers_become_numbers_and_empty_cells_are_left_out(self):
        rows = read_results(data("good.csv"))
        self.assertEqual(len(rows), 13)
        first = rows[0]
        self.assertEqual(first["conns"], 1)
        self.assertIsInstance(first["conns"], int)
        self.assertEqual(first["msgs_per_s"], 10000.0)
        self.assertNotIn("rate_msgs_per_s", first)
        self.assertEqual(rows[7]["rate_msgs_per_s"], 50000)

    def test_failed_cases_are_kept_but_filtered_by_successful(self):
        rows = read_results(data("good.csv"))
        self.assertEqual(rows[-1]["error"], "server exited with status 1")
        self.assertEqual(len(successful(rows)), 12)

    def test_empty_file_is_an_error_naming_the_file(self):
        with self.assertRaisesRegex(ResultsCsvError, r"empty\.csv: empty file"):
            read_results(data("empty.csv"))

    def test_missing_column_names_the_column_and_line_1(self):
        with self.assertRaisesRegex(ResultsCsvError, r"missing_column\.csv:1: missing column\(s\): model"):
            read_results(data("missing_column.csv"))

    def test_wrong_type_names_line_and_column(self):
        with self.assertRaisesRegex(ResultsCsvError, r"bad_number\.csv:3: column 'msgs_per_s': 'fast' is not a number"):
            read_results(data("bad_number.csv"))
        with self.assertRaisesRegex(ResultsCsvError, r"bad_integer\.csv:2: column 'conns': '1\.5' is not a whole"):
            read_results(data("bad_integer.csv"))

    def test_nan_negative_and_non_utf8_input_are_errors_not_points(self):
        with self.assertRaisesRegex(ResultsCsvError, r"nan_value\.csv:2: column 'msgs_per_s': 'nan' is not a finite"):
            read_results(data("nan_value.csv"))
        with self.assertRaisesRegex(ResultsCsvError, r"negative_value\.csv:2: column 'msgs_per_s': '-5'"):
            read_results(data("negative_value.csv"))
        with self.assertRaisesRegex(ResultsCsvError, r"not_utf8\.csv: not UTF-8"):
            read_results(data("not_utf8.csv"))

    def test_json_of_the_wrong_shape_is_an_error_naming_the_file(self):
        from echobench.results.gbench import BenchJsonError, load_rows
        with self.assertRaisesRegex(BenchJsonError, r"wrong_shape\.json: benchmarks\[0\] is not a benchmark"):
            load_rows(data("wrong_shape.json"))
        with self.assertRaisesRegex(BenchJsonError, r"not_utf8\.csv"):
            load_rows(data("not_utf8.csv"))

    def test_missing_file_is_an_error(self):
        with self.assertRaisesRegex(ResultsCsvError, r"nope\.csv"):
            read_results(data("nope.csv"))


class CaseNames(unittest.TestCase):
    def test_a_name_made_here_parses_back_to_its_parts(self):
        name = case_name("latency", "io-uring", 16, 64, "udp", rate=1_000_000)
        self.assertEqual(name, "latency/udp/io-uring/conns:16/size:64/rate:1000000")
        fields = parse_case_name(name)
        self.assertEqual((fields["scenario"], fields["protocol"], fields["model"], fields["conns"], fields["size"],
                          fields["rate_msgs_per_s"]), ("latency", "udp", "io-uring", 16, 64, 1_000_000))
        self.assertEqual(case_name("churn", "prefork", 4, 64), "churn/tcp/prefork/conns:4/size:64")


if __name__ == "__main__":
    unittest.main()
