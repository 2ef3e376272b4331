"""jaxnp_releases/asv_adapter.py: the one module that calls asv's Python API checks that the
installed asv still offers what it relies on, and says what changed when it does not."""

import pytest

pytest.importorskip("asv")

import asv  # noqa: E402
from asv.commands.setup import Setup  # noqa: E402
from asv.results import Results  # noqa: E402

from jaxnp_releases import asv_adapter  # noqa: E402


def test_the_installed_asv_offers_everything_the_adapter_relies_on():
    asv_adapter.check()
    assert asv.__version__.startswith(asv_adapter.SUPPORTED_SERIES)


def test_another_asv_series_is_refused_with_the_version_named(monkeypatch):
    monkeypatch.setattr(asv, "__version__", "0.7.0")
    with pytest.raises(asv_adapter.AsvApiError, match=r"asv 0\.7\.0 is installed; .* asv 0\.6\.x"):
        asv_adapter.check()


def test_a_changed_signature_is_named_with_the_parameter_it_lost(monkeypatch):
    def add_result(self, benchmark, result, started_at=None, duration=None, record_samples=False,
                   selected_idx=None):   # asv without append_samples
        raise AssertionError("never called")

    monkeypatch.setattr(Results, "add_result", add_result)
    with pytest.raises(asv_adapter.AsvApiError, match=r"Results\.add_result no longer takes append_samples"):
        asv_adapter.check()


def test_a_function_that_is_gone_and_a_changed_result_record_are_both_named(monkeypatch):
    import collections

    from asv import runner

    monkeypatch.delattr(Setup, "perform_setup")
    changed = collections.namedtuple("BenchmarkResult", ["result", "samples", "number", "errcode", "stderr"])
    monkeypatch.setattr(runner, "BenchmarkResult", changed)
    with pytest.raises(asv_adapter.AsvApiError) as raised:
        asv_adapter.check()
    assert "asv.commands.setup.Setup.perform_setup no longer exists" in str(raised.value)
    assert "BenchmarkResult has the fields" in str(raised.value)


def test_a_session_does_not_start_on_an_asv_that_changed(monkeypatch, tmp_path):
    from jaxnp_releases import runner, selections

    monkeypatch.setattr(asv, "__version__", "0.7.0")
    with pytest.raises(asv_adapter.AsvApiError, match="0.7.0"):
        runner.SessionRunner(tmp_path / "asv.conf.json", "m", "HEAD", selections.selection_named("main"),
                             runner.Settings())
