"""Compare two runs of the same commit with ``asv compare``'s own rule (for the noise budget).

    .venv/asv/bin/python tools/compare_runs.py RUN_A.json RUN_B.json [--factor 1.1]

asv compare cannot compare two runs of one commit (they share a result file name), so the
two result files are kept in separate results directories and fed to asv's
``Compare.print_table`` as result sets.  Prints asv's table of changed benchmarks, then
how many of all benchmark values reported no change.
"""

import argparse
import contextlib
import io
import math
import pathlib

from asv.commands.compare import Compare
from asv.config import Config
from asv.results import Results

ROOT = pathlib.Path(__file__).resolve().parent.parent


def resultset(path):
    result = Results.load(str(path))
    for key in result.get_all_result_keys():
        params = result.get_result_params(key)
        yield (key, params, result.get_result_value(key, params), result.get_result_stats(key, params),
               result.get_result_samples(key, params), result.benchmark_version.get(key),
               result.params["machine"], result.env_name)


def count_values(path) -> int:
    total = 0
    for _, _, values, *_ in resultset(path):
        total += sum(1 for v in values if v is not None and not (isinstance(v, float) and math.isnan(v)))
    return total


def change_mark(line: str) -> str:
    """The Change column of one row of asv 0.6's table (``| +        | ...``), else ""."""
    cells = line.split("|")
    return cells[1].strip() if len(cells) > 2 and not line.startswith("|--") else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_a", type=pathlib.Path)
    parser.add_argument("run_b", type=pathlib.Path)
    parser.add_argument("--factor", type=float, default=1.1)
    args = parser.parse_args()
    conf = Config.load(str(ROOT / "asv.conf.json"))
    commit = Results.load(str(args.run_a)).commit_hash
    table = io.StringIO()
    with contextlib.redirect_stdout(table):
        Compare.print_table(conf, commit, commit, factor=args.factor, split=False, only_changed=True,
                            resultset_1=resultset(args.run_a), resultset_2=resultset(args.run_b))
    print(table.getvalue())
    marks = [change_mark(line) for line in table.getvalue().splitlines()]
    worse, better = marks.count("+"), marks.count("-")
    total = count_values(args.run_a)
    print(f"{total - worse - better} of {total} benchmark values report no change under factor "
          f"{args.factor} ({(total - worse - better) / total:.1%}); {worse} worse, {better} better")


if __name__ == "__main__":
    main()
