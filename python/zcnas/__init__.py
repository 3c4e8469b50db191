"""zcnas: training-free (zero-cost) neural architecture search.

Score architectures of NAS-Bench-201, NAS-Bench-101, NATS-Bench SSS and DARTS with zero-cost scores (NASWOT and
others), search a space with random search, REA or AREA, and evaluate a score table against a space's ground
truth. Arrays are NumPy arrays; every error of the library is raised as :class:`zcnas.Error`.

    >>> import zcnas
    >>> batch = zcnas.load_cifar10("cifar-10-batches-bin/data_batch_1.bin", batch=128)
    >>> table = zcnas.score("nb201", indices=[0, 6111], scores=("naswot", "params"), batch=batch)
    >>> table.column("naswot")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _zcnas
from ._zcnas import Error, ScoreTable, Space

__all__ = [
    "Error",
    "Evaluation",
    "ScoreTable",
    "SearchResult",
    "Space",
    "evaluate",
    "load_cifar10",
    "read_score_table",
    "score",
    "score_names",
    "search",
    "spaces",
]

SpaceLike = Union[str, Space]
TableLike = Union[str, ScoreTable]


def _space(space: SpaceLike) -> Space:
    return space if isinstance(space, Space) else Space(space)


def spaces() -> List[str]:
    """The names of the search spaces, e.g. ``["nb201", "nb101", "nats-sss", "darts"]``."""
    return _zcnas.space_names()


def score_names() -> List[str]:
    """The names of the zero-cost scores, e.g. ``"naswot"``, ``"params"``, ``"epsilon"``."""
    return _zcnas.score_names()


def load_cifar10(
    path: str,
    batch: int = 128,
    offset: Optional[int] = None,
    seed: Optional[int] = None,
    normalisation: str = "cifar10",
) -> np.ndarray:
    """A batch of CIFAR-10 images as a float32 array ``[batch, 3, 32, 32]``.

    ``path`` is a CIFAR-10 binary file or a directory of ``data_batch_*.bin`` files. The images are
    ``offset .. offset+batch-1`` in file order (default offset 0), or ``batch`` distinct images drawn from
    ``seed``; each is scaled to 0..1 and normalised per channel with the ``"cifar10"``, ``"cifar100"`` or
    ``"imagenet16"`` mean and std, exactly as ``zcnas score --data`` does.
    """
    return _zcnas.load_cifar10(path, batch, offset, seed, normalisation)


def _engine(device, threads, init, init_seed, repeats, width, depth, classes, sign_precision, epsilon_precision):
    return {
        "device": device,
        "threads": threads,
        "init": init,
        "init_seed": init_seed,
        "repeats": repeats,
        "width": width,
        "depth": depth,
        "classes": classes,
        "sign_precision": sign_precision,
        "epsilon_precision": epsilon_precision,
    }


def score(
    space: SpaceLike,
    archs: Optional[Sequence[str]] = None,
    indices: Optional[Sequence[int]] = None,
    scores: Sequence[str] = ("naswot",),
    *,
    batch: Optional[np.ndarray] = None,
    data: Optional[str] = None,
    epsilon_batch: Optional[np.ndarray] = None,
    device: str = "auto",
    threads: int = 0,
    init: str = "default",
    init_seed: int = 0,
    repeats: int = 1,
    width: Optional[int] = None,
    depth: Optional[int] = None,
    classes: Optional[int] = None,
    sign_precision: str = "auto",
    epsilon_precision: str = "float32",
) -> ScoreTable:
    """Scores archs of a space, as ``zcnas score`` does: one row per arch, one column per score.

    The rows are ``archs`` (arch strings in the space's notation) then ``indices`` (official indices of an
    enumerable space), in the order given. The columns are ``scores`` in the order given, then the space's
    0/1 flags (NB101's ``reference_fails``). Scores that run networks read ``batch``, a float32 array
    ``[B, 3, H, W]`` (see :func:`load_cifar10`), or 128 images of the CIFAR-10 file ``data``; ``epsilon``
    reads ``epsilon_batch`` (default: the first 256 images of ``data``).

    ``device`` is ``"auto"`` (the GPU when there is one), ``"cpu"`` or ``"cuda"``; ``threads`` the CPU threads
    (0: every core). Networks get weights drawn from ``init_seed`` (``init``: ``"default"``, ``"gaussian"``
    or ``"kaiming"``); with ``repeats`` > 1 each row is the mean over seeds ``init_seed``, ``init_seed+1``, ...
    ``width``, ``depth`` and ``classes`` override the space's network settings. The GIL is released while
    networks run.

    Returns a :class:`ScoreTable` (``.columns``, ``.values`` ``[n, k]``, ``.index``, ``.arch``, ``.seconds``).
    """
    space = _space(space)
    return _zcnas.score(
        space,
        list(archs or []),
        [int(i) for i in (indices if indices is not None else [])],
        [scores] if isinstance(scores, str) else list(scores),
        batch,
        epsilon_batch,
        data,
        _engine(device, threads, init, init_seed, repeats, width, depth, classes, sign_precision, epsilon_precision),
    )


def read_score_table(path: str, space: SpaceLike = "nb201") -> ScoreTable:
    """Reads a score table that ``zcnas score`` wrote (CSV or JSON Lines) for the space ``space``."""
    return _zcnas.read_score_table(_space(space), path)


def _table(table: TableLike, space: SpaceLike) -> ScoreTable:
    return table if isinstance(table, ScoreTable) else read_score_table(table, space)


@dataclass(frozen=True)
class SearchResult:
    """The winners of a search, one per run.

    ``index`` is ``None`` for a space without an index order (its search runs over genomes). ``history``
    holds every arch each run evaluated, in order (indices, or arch strings), when the search was asked for it.
    ``networks_scored`` counts the archs scored live (each once), ``None`` with a score table.
    """

    run: np.ndarray
    index: Optional[np.ndarray]
    arch: List[str]
    score: np.ndarray
    column: str
    device: str
    seconds: float
    networks_scored: Optional[int]
    history: Optional[list]


def search(
    space: SpaceLike,
    algorithm: str = "random",
    *,
    runs: int = 10,
    samples: Optional[int] = None,
    population: int = 10,
    sample_size: int = 3,
    cycles: Optional[int] = None,
    budget: Optional[int] = None,
    seed: int = 0,
    table: Optional[TableLike] = None,
    column: str = "",
    score: str = "naswot",
    batch: Optional[np.ndarray] = None,
    data: Optional[str] = None,
    epsilon_batch: Optional[np.ndarray] = None,
    device: str = "auto",
    threads: int = 0,
    init: str = "default",
    init_seed: int = 0,
    width: Optional[int] = None,
    depth: Optional[int] = None,
    classes: Optional[int] = None,
    sign_precision: str = "auto",
    history: bool = False,
) -> SearchResult:
    """Runs ``runs`` independent searches, as ``zcnas search`` does, and returns their winners.

    ``algorithm`` is ``"random"`` (NASWOT's: ``samples`` archs per run, default 100), ``"rea"`` (regularized
    evolution: ``population`` P, tournaments of ``sample_size`` S, ``cycles`` children, default 100) or
    ``"area"`` (REA starting from the best P of ``samples`` M random archs, default 1000). ``budget`` counts
    fitness evaluations per run, the initial draws included, and sets N or the cycles. Runs are reproducible
    from ``seed``.

    Fitness is the column ``column`` of a score ``table`` (a :class:`ScoreTable` or a path; the only column
    when ``column`` is empty; the search samples among its rows), or else the score ``score`` computed live on
    ``batch`` / ``data`` with the settings of :func:`score`. An enumerable space is searched over its indices
    (on the GPU when ``device`` allows); a space without an index order over its genomes, live only.
    """
    space = _space(space)
    out = _zcnas.search(
        space,
        algorithm,
        runs,
        samples,
        population,
        sample_size,
        cycles,
        budget,
        seed,
        history,
        _table(table, space) if table is not None else None,
        column,
        score,
        batch,
        epsilon_batch,
        data,
        _engine(device, threads, init, init_seed, 1, width, depth, classes, sign_precision, "float32"),
    )
    return SearchResult(**out)


@dataclass(frozen=True)
class Evaluation:
    """How good a score is: ``data`` is the JSON of ``zcnas eval --json``, ``report`` its markdown report.

    ``correlations`` maps ``(column, dataset)`` to Kendall tau-b and Spearman rho over every row (non-finite
    scores ranked lowest), Pearson r over the finite rows, and top-k precision by percent.
    """

    data: dict
    report: str
    notes: List[str]

    @property
    def correlations(self) -> Dict[Tuple[str, str], dict]:
        out = {}
        for column in self.data["columns"]:
            for d in column["datasets"]:
                out[(column["column"], d["dataset"])] = {
                    "n": d["all_rows"]["n"],
                    "kendall_tau_b": d["all_rows"]["kendall_tau_b"],
                    "spearman_rho": d["all_rows"]["spearman_rho"],
                    "pearson_r": d["finite_rows"]["pearson_r"],
                    "top_k": {t["percent"]: t["precision"] for t in d["top_k"]},
                }
        return out

    def __str__(self) -> str:
        return self.report


def evaluate(
    table: TableLike,
    truth: str,
    *,
    space: SpaceLike = "nb201",
    dataset: Optional[str] = None,
    columns: Sequence[str] = (),
    leave_out: Sequence[str] = (),
    top: Sequence[float] = (1, 5, 10),
) -> Evaluation:
    """Evaluates a score table against the space's ground truth ``truth`` (a file), as ``zcnas eval`` does.

    ``table`` is a :class:`ScoreTable` or a path (read for ``space``). Per score column (``columns``, default
    every column but the space's flags) and dataset (``dataset``, default every dataset of the truth): Kendall
    tau-b, Spearman rho, Pearson r, top-k precision at ``top`` percent of the rows, and the accuracy of the
    best-scored arch. ``leave_out`` names flags (NB101's ``reference_fails``) whose rows are left out.
    """
    table = _table(table, space)
    data, report, notes = _zcnas.evaluate(
        table, truth, [dataset] if dataset else [], list(columns), list(leave_out), [float(t) for t in top]
    )
    return Evaluation(json.loads(data), report, notes)
