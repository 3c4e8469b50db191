"""The Python module against the CLI: the same archs, batch and settings give the same numbers, and bad calls raise
zcnas.Error with the library's message. Run by ctest (python/CMakeLists.txt) on the installed module; tests that read
../shared skip with a message when it is absent."""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import zcnas

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("ZCNAS_SHARED_DIR", REPO.parent / "shared"))
CLI = os.environ.get("ZCNAS_CLI", str(REPO / "build" / "zcnas"))
CIFAR = SHARED / "data" / "cifar10" / "data_batch_1_exact_first932.bin"
NB201_TRUTH = SHARED / "data" / "nb201" / "nb201_test_accuracy_200ep.csv"

needs_cifar = pytest.mark.skipif(not CIFAR.exists(), reason=f"no CIFAR-10 batch at {CIFAR} (../shared is absent)")
needs_truth = pytest.mark.skipif(not NB201_TRUTH.exists(), reason=f"no NB201 truth at {NB201_TRUTH} (../shared is absent)")
needs_cli = pytest.mark.skipif(not Path(CLI).exists(), reason=f"no zcnas program at {CLI}")


def cli(*args: str) -> str:
    done = subprocess.run([CLI, *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def batch():
    return zcnas.load_cifar10(str(CIFAR), batch=8)


def test_spaces_and_archs():
    assert "nb201" in zcnas.spaces() and "darts" in zcnas.spaces()
    assert {"naswot", "params", "epsilon"} <= set(zcnas.score_names())
    nb201 = zcnas.Space("nb201")
    assert (nb201.name, nb201.size, nb201.enumerable) == ("nb201", 15625, True)
    for index in (0, 6111, 15624):
        assert nb201.index(nb201.arch(index)) == index
    archs = nb201.random_archs(5, seed=3)
    assert archs == nb201.random_archs(5, seed=3) and len(set(archs)) > 1
    darts = zcnas.Space("darts")
    assert darts.size is None and not darts.enumerable
    assert zcnas.Space("nb101").flag_names == ["reference_fails"]


@needs_cifar
def test_load_cifar10(batch):
    assert batch.shape == (8, 3, 32, 32) and batch.dtype == np.float32
    drawn = zcnas.load_cifar10(str(CIFAR), batch=8, seed=1)
    again = zcnas.load_cifar10(str(CIFAR), batch=8, seed=1)
    assert np.array_equal(drawn, again) and not np.array_equal(drawn, batch)
    np.testing.assert_array_equal(zcnas.load_cifar10(str(CIFAR), batch=4, offset=4), batch[4:])


@needs_cifar
@needs_cli
def test_score_equals_the_cli(batch):
    args = ["--space", "nb201", "--data", str(CIFAR), "--batch", "8", "--scores", "naswot,params", "--device", "cpu"]
    rows = [json.loads(line) for line in cli("score", "--index", "0", "--index", "6111", "--format", "jsonl", *args).splitlines()]
    nb201 = zcnas.Space("nb201")
    table = zcnas.score(nb201, archs=[nb201.arch(0)], indices=[6111], scores=("naswot", "params"), batch=batch, device="cpu")
    assert table.columns == ["naswot", "params"] and len(table) == 2
    assert table.index.tolist() == [r["index"] for r in rows]
    assert table.arch == [r["arch"] for r in rows]
    assert table.values.shape == (2, 2) and table.values.dtype == np.float64
    for k, r in enumerate(rows):
        assert table.values[k].tolist() == [r["naswot"], r["params"]]  # exactly: JSON keeps every bit of a double
    assert table.column("naswot").tolist() == [r["naswot"] for r in rows]
    # The same images loaded by the library from the file.
    from_file = zcnas.score("nb201", indices=[0], data=str(CIFAR), device="cpu")
    expected = json.loads(cli("score", "--index", "0", "--format", "jsonl", "--data", str(CIFAR), "--device", "cpu"))
    assert from_file.column("naswot").tolist() == [expected["naswot"]]


def test_params_need_no_batch():
    table = zcnas.score("nb201", indices=[0, 1], scores="params", device="cpu")
    assert table.column("params").tolist()[0] == 128721.0


@needs_cifar
def test_bad_calls_raise_the_library_message(batch):
    assert issubclass(zcnas.Error, RuntimeError)
    with pytest.raises(zcnas.Error, match="unknown search space 'nb999'"):
        zcnas.Space("nb999")
    with pytest.raises(zcnas.Error, match="unknown search space 'nb999'"):
        zcnas.score("nb999", indices=[0], batch=batch)
    with pytest.raises(zcnas.Error, match=r"\|nor_conv_3x3~0\|\+\|bogus"):
        zcnas.score("nb201", archs=["|nor_conv_3x3~0|+|bogus~0|"], batch=batch)
    with pytest.raises(zcnas.Error, match="15625"):
        zcnas.score("nb201", indices=[15625], batch=batch)
    with pytest.raises(zcnas.Error, match=r"batch: expected a float32 array of shape \[B, 3, H, W\], got float32 of shape \[8, 32, 32\]"):
        zcnas.score("nb201", indices=[0], batch=batch[:, 0])
    with pytest.raises(zcnas.Error, match=r"got float64 of shape \[8, 3, 32, 32\]"):
        zcnas.score("nb201", indices=[0], batch=batch.astype(np.float64))
    with pytest.raises(zcnas.Error, match="unknown score 'synflow'|synflow"):
        zcnas.score("nb201", indices=[0], scores=["synflow"], batch=batch)
    with pytest.raises(zcnas.Error, match="give batch="):
        zcnas.score("nb201", indices=[0], scores=["naswot"])
    with pytest.raises(zcnas.Error, match="give epsilon_batch="):
        zcnas.score("nb201", indices=[0], scores=["epsilon"], batch=batch)
    with pytest.raises(zcnas.Error, match="15625"):
        zcnas.Space("nb201").arch(15625)
    with pytest.raises(zcnas.Error, match="no-such-file"):
        zcnas.load_cifar10("no-such-file.bin")


def write_table(path: Path, indices, values) -> None:
    path.write_text("index,naswot\n" + "".join(f"{i},{v!r}\n" for i, v in zip(indices, values)))


@needs_cli
def test_search_a_table_as_the_cli(tmp_path):
    rng = np.random.default_rng(0)
    indices = rng.choice(15625, size=200, replace=False)
    path = tmp_path / "scores.csv"
    write_table(path, indices, rng.normal(size=200))
    settings = dict(runs=3, population=5, sample_size=2, cycles=20, seed=7)
    result = zcnas.search("nb201", "rea", table=str(path), device="cpu", **settings)
    out = cli("search", "--space", "nb201", "--algorithm", "rea", "--fitness-table", str(path), "--runs", "3",
              "--population", "5", "--sample-size", "2", "--cycles", "20", "--search-seed", "7", "--device", "cpu")
    lines = out.splitlines()
    assert lines[0] == "run,winner_index,winner_arch,naswot"
    expected = [line.split(",") for line in lines[1:]]
    assert result.run.tolist() == [0, 1, 2]
    assert result.index.tolist() == [int(e[1]) for e in expected]
    assert result.arch == [e[2] for e in expected]
    assert result.column == "naswot" and result.networks_scored is None
    table = zcnas.read_score_table(str(path))
    assert set(result.index.tolist()) <= set(table.index.tolist())
    with pytest.raises(zcnas.Error, match="tournament size 6 exceeds the population 5"):
        zcnas.search("nb201", "rea", table=table, runs=1, population=5, sample_size=6)


@needs_cifar
@needs_cli
def test_live_search_as_the_cli(batch):
    result = zcnas.search("nb201", "random", runs=2, samples=3, batch=batch, device="cpu", history=True)
    out = cli("search", "--space", "nb201", "--samples", "3", "--runs", "2", "--data", str(CIFAR), "--batch", "8",
              "--device", "cpu")
    expected = [line.split(",") for line in out.splitlines()[1:]]
    assert result.index.tolist() == [int(e[1]) for e in expected]
    assert result.networks_scored == len({i for h in result.history for i in h.tolist()})
    # A space without an index order is searched over its genomes.
    darts = zcnas.search("darts", "random", runs=1, samples=2, score="params", device="cpu")
    assert darts.index is None and len(darts.arch) == 1 and darts.score[0] > 0


@needs_truth
@needs_cli
def test_read_and_evaluate_a_table(tmp_path):
    rng = np.random.default_rng(1)
    indices = rng.choice(15625, size=50, replace=False)
    path = tmp_path / "scores.csv"
    write_table(path, indices, rng.normal(size=50).round(3))
    table = zcnas.read_score_table(str(path), "nb201")
    assert table.columns == ["naswot"] and table.index.tolist() == indices.tolist()
    assert table.arch[0] == zcnas.Space("nb201").arch(int(indices[0])) and table.seconds is None

    evaluation = zcnas.evaluate(table, str(NB201_TRUTH), top=(10, 50))
    json_path = tmp_path / "eval.json"
    report = cli("eval", "--space", "nb201", "--scores", str(path), "--truth", str(NB201_TRUTH), "--top", "10,50",
                 "--json", str(json_path))
    assert evaluation.report == report
    assert evaluation.data == json.loads(json_path.read_text())
    tau = evaluation.correlations[("naswot", "cifar10")]
    assert tau["kendall_tau_b"] == evaluation.data["columns"][0]["datasets"][0]["all_rows"]["kendall_tau_b"]
    assert set(tau["top_k"]) == {10.0, 50.0}
    with pytest.raises(zcnas.Error, match="synflow"):
        zcnas.evaluate(str(path), str(NB201_TRUTH), columns=["synflow"])
