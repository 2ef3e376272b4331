"""``jaxnp-releases merge``: the shards' results directories as one, nothing lost or overwritten."""

import json
import math
import pathlib

import pytest

from jaxnp_releases import cli
from jaxnp_releases.merge import MergeError, merge
from jaxnp_results.results import read_results

COLUMNS = ["result", "params", "version", "started_at", "duration", "stats_ci_99_a", "stats_ci_99_b",
           "stats_q_25", "stats_q_75", "stats_number", "stats_repeat", "samples", "profile"]
BENCH = "bench_elementwise.FusedChain.time_run"
PARAMS = [["'numpy'", "'jax_jit'"], ["'M'"], ["'float32'"]]
COMMIT = "abcdef1234567890abcdef1234567890abcdef12"
NAN = math.nan


def shard(root: pathlib.Path, values: dict[str, list], session: str | None = None, started=1000) -> pathlib.Path:
    """A results directory of one machine and commit: per environment, FusedChain's two combinations
    (a value, None for a failure, NaN for not measured here)."""
    (root / "m1").mkdir(parents=True)
    (root / "benchmarks.json").write_text(json.dumps({
        BENCH: {"params": PARAMS, "param_names": ["implementation", "size", "dtype"], "unit": "seconds",
                "type": "time", "version": "1"}, "version": 2}))
    (root / "m1" / "machine.json").write_text(json.dumps({"machine": "m1", "version": 1}))
    for env, result in values.items():
        measured = [not (isinstance(v, float) and math.isnan(v)) for v in result]
        samples = [[v] * 3 if m and v is not None else None for v, m in zip(result, measured)]
        row = [result, PARAMS, "1", started, 2.0, [v and v * 0.9 for v in result], [v and v * 1.1 for v in result],
               None, None, [1 if m else None for m in measured], [3 if m else None for m in measured], samples, None]
        doc = {"commit_hash": COMMIT, "env_name": env, "date": 5, "python": "3.11",
               "params": {"machine": "m1", "python": "3.11", "jax": env[-6:]}, "requirements": {"jax": env[-6:]},
               "env_vars": {}, "result_columns": COLUMNS, "results": {BENCH: row},
               "durations": {f"<setup {env}>": 1.0}, "version": 2}
        (root / "m1" / f"{COMMIT[:8]}-{env}.json").write_text(json.dumps(doc))
    if session:
        (root / "m1" / "sidebyside").mkdir()
        (root / "m1" / "sidebyside" / f"{COMMIT[:8]}-{session}.jsonl").write_text(f'{{"session": "{session}"}}\n')
    return root


def test_shards_merge_into_one_file_per_environment_with_every_combination_from_its_shard(tmp_path):
    one = shard(tmp_path / "one", {"env-0.4.31": [1e-3, NAN], "env-0.10.2": [2e-3, NAN]}, "s1", started=1000)
    two = shard(tmp_path / "two", {"env-0.4.31": [NAN, 5e-4], "env-0.10.2": [NAN, None]}, "s2", started=900)
    counts = merge([one, two], tmp_path / "merged")
    assert counts == {"result files": 2, "session files": 2}
    merged = json.loads((tmp_path / "merged" / "m1" / f"{COMMIT[:8]}-env-0.10.2.json").read_text())
    row = dict(zip(COLUMNS, merged["results"][BENCH]))
    assert row["result"] == [2e-3, None]                     # the value from shard one, the failure from two
    assert row["samples"] == [[2e-3] * 3, None] and row["stats_number"] == [1, 1]
    assert row["started_at"] == 900 and row["duration"] == 4.0
    assert set(merged["durations"]) == {"<setup env-0.10.2>"}
    assert sorted(p.name for p in (tmp_path / "merged" / "m1" / "sidebyside").iterdir()) == \
        [f"{COMMIT[:8]}-s1.jsonl", f"{COMMIT[:8]}-s2.jsonl"]
    # the report's reader takes the merged directory as any other
    values = {(m.release, m.param("implementation")): m.value for m in read_results(tmp_path / "merged")}
    assert values[("0.4.31", "numpy")] == 1e-3 and values[("0.4.31", "jax_jit")] == 5e-4
    assert values[("0.10.2", "jax_jit")] is None


def test_a_combination_measured_twice_is_a_conflict_and_nothing_is_written(tmp_path):
    one = shard(tmp_path / "one", {"env-0.10.2": [1e-3, NAN]})
    two = shard(tmp_path / "two", {"env-0.10.2": [1.1e-3, 5e-4]})
    with pytest.raises(MergeError, match="combination 1 of 2, is measured in both"):
        merge([one, two], tmp_path / "merged")
    assert not (tmp_path / "merged").exists()


def test_the_targets_own_results_are_kept_a_shard_merged_again_changes_nothing_another_value_is_refused(tmp_path):
    target = shard(tmp_path / "history", {"env-0.10.2": [1e-3, NAN]}, "s1")
    before = (target / "m1" / "sidebyside" / f"{COMMIT[:8]}-s1.jsonl").read_bytes()
    new = shard(tmp_path / "new", {"env-0.10.2": [NAN, 7e-4]}, "s2")
    merge([new], target)
    row = dict(zip(COLUMNS, json.loads((target / "m1" / f"{COMMIT[:8]}-env-0.10.2.json").read_text())["results"][BENCH]))
    assert row["result"] == [1e-3, 7e-4]
    assert (target / "m1" / "sidebyside" / f"{COMMIT[:8]}-s1.jsonl").read_bytes() == before
    merged = (target / "m1" / f"{COMMIT[:8]}-env-0.10.2.json").read_text()
    merge([new], target)                                        # the same shard again: one measurement
    assert (target / "m1" / f"{COMMIT[:8]}-env-0.10.2.json").read_text() == merged
    other = shard(tmp_path / "other", {"env-0.10.2": [NAN, 9e-4]})  # another measurement of it: refused
    with pytest.raises(MergeError, match="measured in both"):
        merge([other], target)
    assert (target / "m1" / f"{COMMIT[:8]}-env-0.10.2.json").read_text() == merged


def test_bad_sources_exit_2_with_one_line(tmp_path, capsys):
    assert cli.main(["merge", str(tmp_path / "nothing"), "--into", str(tmp_path / "out")]) == 2
    assert "not an asv results directory" in capsys.readouterr().err
    one = shard(tmp_path / "one", {"env-0.10.2": [1e-3, NAN]})
    two = shard(tmp_path / "two", {"env-0.10.2": [NAN, 1e-3]})
    (two / "m1" / "machine.json").write_text(json.dumps({"machine": "m1", "version": 1, "cpu": "other"}))
    assert cli.main(["merge", str(one), str(two), "--into", str(tmp_path / "out")]) == 2
    assert "describe machine m1 differently" in capsys.readouterr().err
    (two / "m1" / "machine.json").write_text("{")
    assert cli.main(["merge", str(one), str(two), "--into", str(tmp_path / "out")]) == 2
    assert "cannot read" in capsys.readouterr().err
