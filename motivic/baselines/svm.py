"""SVM baselines: the fits (bounded, class-weighted) on MFCC or convnet features.

Choi (2018), PhD thesis "Deep neural networks for music tagging", ch. 6.

Each segment is summarised by the mean and standard deviation over time of 20
MFCCs and their first and second derivatives (120 numbers); an SVM with
standardised inputs is tuned on the validation set. The second baseline
replaces the MFCC statistics by the "convnet feature" of Choi, Fazekas,
Sandler & Cho (2017), "Transfer learning for music classification and
regression tasks": the average-pooled activation of every conv layer of a
compact convnet, concatenated (:func:`motivic.baselines.convnet.convnet_features`).
The features live in :mod:`motivic.baselines.mfcc` and :mod:`motivic.baselines.convnet`;
this module fits and scores the SVM.

Bounded cost
------------
Every fit of :func:`fit_svm` has an iteration bound (issue 18, point 2). The
linear points of the grid are solved in the primal by liblinear
(``LinearSVC``, squared hinge, Fan et al. 2008) with at most
:data:`LINEAR_MAX_ITER` Newton iterations, not by libsvm's ``SVC`` with a
linear kernel, whose SMO solver needs ever more steps as C grows on labels the
features cannot separate (the shuffled-labels sanity row is exactly that case:
with C = 1 and 2,000 segments it had not converged after 100,000 steps per
class pair). The RBF points stay ``SVC``, capped at :data:`SVC_MAX_ITER` SMO
steps per class pair. A fit that stops at its bound is logged as a warning
(the solver's ``ConvergenceWarning``), never silenced. ``benchmarks/bench_baselines.py``
measures the cost against the unbounded grid (docs/benchmarks.md).

Class weighting
---------------
``class_weighting="balanced"`` weights each training sample by
``n / (n_classes * n_class)`` (scikit-learn's ``"balanced"``) in the SVM fit
and in the Platt calibration alike, so the probabilities are those of a
uniform class prior; the grid point is then chosen by balanced accuracy on
the validation rows. :func:`resolve_class_weighting` gives the setting of a
run from ``training.class_weighting`` and the split strategy.
"""

from __future__ import annotations

import logging

import numpy as np

from motivic.core.errors import MotivicError

__all__ = [
    "CLASS_WEIGHTINGS",
    "DEFAULT_GRID",
    "LINEAR_MAX_ITER",
    "SVC_MAX_ITER",
    "fit_svm",
    "resolve_class_weighting",
    "svm_probabilities",
]

logger = logging.getLogger(__name__)

#: Default search grid: linear and RBF kernels (Choi, 2018).
DEFAULT_GRID = [
    {"kernel": ["linear"], "C": [0.01, 0.1, 1.0, 10.0]},
    {"kernel": ["rbf"], "C": [0.1, 1.0, 10.0, 100.0], "gamma": ["scale", 1e-3, 1e-2, 1e-1]},
]

#: Bound on libsvm's SMO steps per class pair of an RBF (or polynomial, sigmoid) ``SVC``.
SVC_MAX_ITER = 100_000
#: Bound on liblinear's Newton iterations per class of a linear point (``LinearSVC``).
LINEAR_MAX_ITER = 1_000
#: Values of ``class_weighting``.
CLASS_WEIGHTINGS = ("none", "balanced")
#: Grid keys :func:`fit_svm` accepts (``SVC`` arguments; the rest it sets itself).
_GRID_KEYS = frozenset(
    {"kernel", "C", "gamma", "degree", "coef0", "tol", "max_iter", "cache_size", "shrinking"}
)
#: Keys that only kernel SVMs use; a linear point ignores them, as ``SVC`` does.
_KERNEL_ONLY_KEYS = frozenset({"gamma", "degree", "coef0", "cache_size", "shrinking"})


def resolve_class_weighting(training_cfg, split_strategy: str) -> str:
    """Class weighting of a run: ``training.class_weighting``, with ``auto`` resolved.

    ``auto`` (the default) is ``balanced`` for every grouped strategy
    (``group``, ``group_kfold``, ``logo`` and their ``motif_`` / ``_by_<column>``
    forms), where holding out whole recordings leaves the tested class a
    minority of its fold's training data (issue 19, point 3), and ``none`` for
    ``random``. The networks read it too (:func:`motivic.workflow.grid.run_training`).

    Parameters
    ----------
    training_cfg : mapping or None
        The ``training`` config section; only ``class_weighting`` is read.
    split_strategy : str
        A strategy name (:func:`motivic.splits.parse_strategy`).

    Returns
    -------
    class_weighting : {"none", "balanced"}

    Raises
    ------
    MotivicError
        For an unknown setting or strategy.
    """
    from motivic.splits import parse_strategy

    setting = (training_cfg or {}).get("class_weighting") or "auto"
    if setting not in ("auto", *CLASS_WEIGHTINGS):
        raise MotivicError(
            f"training.class_weighting={setting!r} must be one of {['auto', *CLASS_WEIGHTINGS]}"
        )
    within_recording = parse_strategy(split_strategy).within_recording
    if setting != "auto":
        return setting
    return "none" if within_recording else "balanced"


def _svm_estimator(params: dict, seed: int):
    """The bounded solver of one grid point: ``LinearSVC`` (primal) for linear, else ``SVC``."""
    from sklearn.svm import SVC, LinearSVC

    if params.get("kernel", "rbf") == "linear":
        options = {k: v for k, v in params.items() if k in ("C", "tol", "max_iter")}
        options.setdefault("max_iter", LINEAR_MAX_ITER)
        return LinearSVC(dual=False, random_state=seed, **options)
    return SVC(random_state=seed, **{"max_iter": SVC_MAX_ITER, **params})


def _svm_pipeline(params: dict, seed: int, calibrate_folds: int = 0):
    """StandardScaler + the point's SVM; with ``calibrate_folds >= 2`` it is Platt-calibrated.

    ``CalibratedClassifierCV(svm, method="sigmoid", ensemble=False)`` fits the
    SVM on all the data and a sigmoid on cross-validated decision values: what
    ``SVC(probability=True)`` does internally, which scikit-learn 1.9 deprecates.
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    svm = _svm_estimator(params, seed)
    if calibrate_folds >= 2:
        svm = CalibratedClassifierCV(svm, method="sigmoid", cv=calibrate_folds, ensemble=False)
    return Pipeline([("scale", StandardScaler()), ("svm", svm)])


def _fit_logged(pipeline, X: np.ndarray, y: np.ndarray, weights, what: str):
    """``pipeline.fit`` with per-sample ``weights``; a solver stopped at its bound is logged."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        pipeline.fit(X, y, svm__sample_weight=weights)
    for warning in caught:
        if issubclass(warning.category, ConvergenceWarning):
            logger.warning("%s stopped at its iteration bound: %s", what, warning.message)
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    return pipeline


def _class_weights(y: np.ndarray, class_weighting: str) -> np.ndarray | None:
    """Per-sample weights of ``class_weighting`` (``None``: unweighted)."""
    if class_weighting not in CLASS_WEIGHTINGS:
        raise MotivicError(
            f"class_weighting={class_weighting!r} must be one of {list(CLASS_WEIGHTINGS)}"
        )
    if class_weighting == "none":
        return None
    from sklearn.utils.class_weight import compute_sample_weight

    return compute_sample_weight("balanced", y)


def _validation_score(y_true: np.ndarray, y_pred: np.ndarray, class_weighting: str) -> float:
    """Accuracy, or (balanced weighting) the mean recall over the classes present in ``y_true``."""
    hits = y_pred == y_true
    if class_weighting == "none":
        return float(np.mean(hits))
    return float(np.mean([hits[y_true == c].mean() for c in np.unique(y_true)]))


def fit_svm(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    *,
    grid: dict | list | None = None,
    seed: int = 0,
    class_weighting: str = "none",
):
    """Standardise + SVM, with kernel, C and γ chosen on the validation set, at bounded cost.

    Every grid point is fitted on the training set and scored on the
    validation set by the accuracy of its ``predict`` (balanced accuracy when
    ``class_weighting="balanced"``); no probability calibration during the
    search (it is costly); ties go to the earlier point in grid order. Linear
    points are solved by ``LinearSVC`` in the primal (one-vs-rest, squared
    hinge, at most :data:`LINEAR_MAX_ITER` iterations), the others by ``SVC``
    (one-vs-one, at most :data:`SVC_MAX_ITER` SMO steps per class pair); a
    point's own ``max_iter`` overrides the bound. A fit that reaches its bound
    is logged as a warning and kept (module notes, "Bounded cost").
    The chosen point is refitted on the training set with Platt scaling
    (sigmoid calibration on ``min(5, smallest class size)`` stratified folds,
    as ``SVC(probability=True)`` does), so the returned pipeline has
    ``predict_proba``; its ``predict`` is the arg-max of those probabilities.

    Degenerate training sets (tiny corpora) are handled with a warning rather
    than an error: with a single class the returned pipeline always predicts
    it (``DummyClassifier``, ``best_params == {}``); when a class has a single
    sample the SVM is not calibrated, and :func:`svm_probabilities` falls back
    to one-hot predictions.

    Parameters
    ----------
    X_train, X_val : np.ndarray [shape=(n, d)]
    y_train, y_val : np.ndarray [shape=(n,)]
    grid : dict, list of dict or None
        scikit-learn ``ParameterGrid`` over ``SVC`` arguments (``kernel``,
        ``C``, ``gamma``, ``degree``, ``coef0``, ``tol``, ``max_iter``,
        ``cache_size``, ``shrinking``), e.g.
        ``{"kernel": ["rbf"], "C": [1, 10], "gamma": ["scale"]}``;
        ``None``: :data:`DEFAULT_GRID`.
    seed : int
        ``random_state`` of the SVM.
    class_weighting : {"none", "balanced"}
        ``balanced``: samples weighted by ``n / (n_classes * n_class)`` in the
        SVM and its calibration, and the grid point chosen by balanced
        accuracy (module notes, "Class weighting").

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Fitted ``StandardScaler`` + calibrated SVM (steps ``scale``, ``svm``).
    best_params : dict
        The chosen grid point.

    Raises
    ------
    MotivicError
        For an empty grid, unknown grid keys, a ``max_iter`` below 1,
        mismatched shapes, an empty training set or an unknown
        ``class_weighting``.
    """
    import warnings

    from sklearn.dummy import DummyClassifier
    from sklearn.model_selection import ParameterGrid
    from sklearn.pipeline import Pipeline

    X_train, X_val = np.asarray(X_train, dtype=np.float64), np.asarray(X_val, dtype=np.float64)
    y_train, y_val = np.asarray(y_train), np.asarray(y_val)
    if (
        X_train.ndim != 2
        or X_val.ndim != 2
        or X_train.shape[1] != X_val.shape[1]
        or len(X_train) != len(y_train)
        or len(X_val) != len(y_val)
    ):
        raise MotivicError(
            f"fit_svm: inconsistent shapes X_train {X_train.shape}, y_train {y_train.shape}, "
            f"X_val {X_val.shape}, y_val {y_val.shape}"
        )
    points = list(ParameterGrid(DEFAULT_GRID if grid is None else grid))
    unknown = sorted({k for p in points for k in p} - _GRID_KEYS)
    if not points or unknown:
        raise MotivicError(
            f"fit_svm: grid must be non-empty with keys among {sorted(_GRID_KEYS)}; "
            f"unknown {unknown}"
        )
    unbounded = [p for p in points if "max_iter" in p and not int(p["max_iter"]) >= 1]
    if unbounded:
        raise MotivicError(f"fit_svm: max_iter must be >= 1 (bounded cost); got {unbounded[0]}")
    if not len(y_train):
        raise MotivicError("fit_svm: the training set is empty")
    weights = _class_weights(y_train, class_weighting)
    classes, counts = np.unique(y_train, return_counts=True)
    if classes.size < 2:
        warnings.warn(
            f"fit_svm: the training set holds one class ({classes[0]!r}); predicting it always",
            stacklevel=2,
        )
        dummy = Pipeline([("svm", DummyClassifier(strategy="prior"))])
        return dummy.fit(X_train, y_train), {}
    smallest = int(counts.min())
    if smallest < 2:
        warnings.warn(
            f"fit_svm: a class has {smallest} training sample; the SVM is not calibrated "
            "(probabilities become one-hot predictions)",
            stacklevel=2,
        )
    best_params, best_score = None, -1.0
    for params in points:
        model = _fit_logged(_svm_pipeline(params, seed), X_train, y_train, weights, f"SVM {params}")
        score = _validation_score(y_val, model.predict(X_val), class_weighting)
        logger.debug("SVM %s: validation score %.3f", params, score)
        if score > best_score:
            best_params, best_score = params, score
    logger.info(
        "SVM grid: %d points, class weighting %s, best %s with validation %s %.3f",
        len(points),
        class_weighting,
        best_params,
        "accuracy" if class_weighting == "none" else "balanced accuracy",
        best_score,
    )
    final = _svm_pipeline(best_params, seed, calibrate_folds=min(5, smallest))
    _fit_logged(final, X_train, y_train, weights, f"calibrated SVM {best_params}")
    return final, dict(best_params)


def svm_probabilities(pipeline, X: np.ndarray, *, n_classes: int) -> np.ndarray:
    """Class probabilities of a fitted :func:`fit_svm` pipeline over all ``n_classes`` classes.

    Classes absent from the training labels get probability 0.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        From :func:`fit_svm`, trained on integer labels in ``[0, n_classes)``.
    X : np.ndarray [shape=(n, d)]
    n_classes : int >= 1

    Returns
    -------
    probs : np.ndarray [shape=(n, n_classes), dtype=float64]
    """
    classes = np.asarray(pipeline.classes_)
    if classes.size and (classes.min() < 0 or classes.max() >= n_classes):
        raise MotivicError(
            f"svm_probabilities: classes {classes.tolist()} outside [0, {n_classes})"
        )
    probs = np.zeros((len(X), n_classes))
    if not len(X):
        return probs
    X = np.asarray(X, dtype=np.float64)
    if hasattr(pipeline, "predict_proba"):
        probs[:, classes.astype(np.int64)] = pipeline.predict_proba(X)
    else:  # an uncalibrated SVM (see fit_svm)
        probs[np.arange(len(X)), pipeline.predict(X).astype(np.int64)] = 1.0
    return probs
