"""ann's estimators on a Dask cluster: dask-ml's wrappers and joblib's Dask backend.

Everything runs on one ``distributed.LocalCluster`` of two worker processes (one thread
each) shared by the module. ``Incremental`` calls ``partial_fit`` on each block of a
Dask array, on the workers, passing the estimator from task to task; ``ParallelPostFit``
predicts block by block; ``GridSearchCV`` fits its candidates on the workers under
``joblib.parallel_backend("dask")``. Each result is compared with scikit-learn's own
``MLPClassifier`` / ``MLPRegressor`` under the same wrapper, the same blocks and seeds.

The two differ only by the rounding of sums taken in another order: measured at most
2.7e-15 (absolute) on outputs of size ~1 and never in a predicted label, an accuracy or
a grid-search score; the tolerances below leave a factor ~10.

Needs the ``dask`` extra (``pip install "ann-backprop[dask]"``, part of the ``test`` extra).
"""

import os

import numpy as np
import pytest

INSTALL = 'needs the dask extra: pip install "ann-backprop[dask]"'
da = pytest.importorskip("dask.array", reason=INSTALL)
distributed = pytest.importorskip("distributed", reason=INSTALL)
wrappers = pytest.importorskip("dask_ml.wrappers", reason=INSTALL)
joblib = pytest.importorskip("joblib", reason=INSTALL)

import sklearn.neural_network as sklearn_mlp
from sklearn.model_selection import GridSearchCV

import ann
from ann import threads

Incremental, ParallelPostFit = wrappers.Incremental, wrappers.ParallelPostFit

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

CLASSES = [0, 1, 2]
BLOCK = 60
PROBABILITY_ATOL = 1e-14  # outputs in [0, 1]; measured differences <= 8.9e-16
VALUE_TOLERANCE = dict(rtol=1e-13, atol=1e-14)  # regression outputs ~1; measured <= 2.7e-15
BOTH = pytest.mark.parametrize("mlp", [ann, sklearn_mlp], ids=["ann", "sklearn"])


@pytest.fixture(scope="module")
def client():
    """A client of two worker processes, one thread each, shut down after the module.

    Distributed's nanny sets ``OMP_NUM_THREADS`` and its kin in this process's own
    environment for the workers to inherit; they are put back once the workers run, or
    every later fit in this process would take them for a limit of the user's."""
    saved = {name: os.environ.get(name) for name in threads.USER_VARIABLES}
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        worker_pids = client.run(os.getpid)
        assert len(set(worker_pids.values())) == 2 and os.getpid() not in worker_pids.values()
        yield client


@pytest.fixture(scope="module")
def problem():
    """A 3-class problem and a regression target on the same 240 x 6 inputs:
    ``X`` (240, 6), ``y`` (240,) in 0..2, ``target`` (240,)."""
    rng = np.random.RandomState(0)
    X = rng.randn(240, 6)
    weights = rng.randn(6, 3)
    y = np.argmax(X @ weights + 0.3 * rng.randn(240, 3), axis=1)
    target = X @ weights[:, 0] + 0.1 * rng.randn(240)
    return X, y, target


def blocks(*arrays):
    """Each array as a Dask array of row blocks of ``BLOCK`` samples."""
    return [da.from_array(array, chunks=(BLOCK,) + array.shape[1:]) for array in arrays]


def run_on(client, action):
    """Run ``action()``; return its result and the set of workers that ran its tasks."""
    with distributed.get_task_stream(client) as stream:
        result = action()
    workers = {task["worker"] for task in stream.data}
    assert workers <= set(client.scheduler_info()["workers"])
    return result, workers


def classifier(mlp, **params):
    return mlp.MLPClassifier(
        hidden_layer_sizes=(8,), batch_size=20, learning_rate_init=0.05, random_state=0, **params
    )


def regressor(mlp, **params):
    return mlp.MLPRegressor(
        hidden_layer_sizes=(8,), batch_size=20, learning_rate_init=0.03, random_state=0, **params
    )


def incremental_classifier(client, problem, mlp, epochs=3):
    """``Incremental`` over the blocks in a seeded order, ``epochs`` passes."""
    X, y = blocks(*problem[:2])
    model = Incremental(classifier(mlp), scoring="accuracy", random_state=0)
    _, workers = run_on(client, lambda: model.fit(X, y, classes=CLASSES))
    assert workers, "partial_fit did not run on the cluster"
    for _ in range(epochs - 1):
        model.partial_fit(X, y, classes=CLASSES)
    return model


def outputs(model, X, y):
    """What a fitted wrapper gives on Dask arrays: predictions, probabilities, score."""
    predicted = model.predict(X)
    assert isinstance(predicted, da.Array)
    return predicted.compute(), model.predict_proba(X).compute(), model.score(X, y)


# ------------------------------------------------------------------ Incremental


def test_incremental_classifier_equals_scikit_learn(client, problem):
    X, y = blocks(*problem[:2])
    ours = incremental_classifier(client, problem, ann)
    theirs = incremental_classifier(client, problem, sklearn_mlp)
    labels, probabilities, score = outputs(ours, X, y)
    their_labels, their_probabilities, their_score = outputs(theirs, X, y)
    np.testing.assert_array_equal(labels, their_labels)
    np.testing.assert_allclose(probabilities, their_probabilities, rtol=0, atol=PROBABILITY_ATOL)
    assert score == their_score and score > 0.9
    np.testing.assert_array_equal(ours.estimator_.classes_, CLASSES)
    for mine, other in zip(ours.estimator_.coefs_, theirs.estimator_.coefs_):
        np.testing.assert_allclose(mine, other, rtol=0, atol=PROBABILITY_ATOL)


def test_incremental_is_the_local_partial_fit_loop(client, problem):
    """On the workers, each block's partial_fit continues the previous one's state
    (weights, optimizer, random state) exactly as in one process."""
    X, y, _ = problem
    remote = incremental_classifier(client, problem, ann)
    local = classifier(ann)
    order = np.arange(len(X) // BLOCK)
    np.random.RandomState(0).shuffle(order)  # Incremental's block order for random_state=0
    for _ in range(3):
        for block in order:
            rows = slice(block * BLOCK, (block + 1) * BLOCK)
            local.partial_fit(X[rows], y[rows], classes=CLASSES)
    np.testing.assert_array_equal(remote.estimator_.predict_proba(X), local.predict_proba(X))
    assert remote.estimator_.t_ == local.t_ == 3 * len(X)


def test_incremental_regressor_equals_scikit_learn(client, problem):
    X, _, target = problem
    dask_X, dask_target = blocks(X, target)
    results = {}
    for mlp in (ann, sklearn_mlp):
        # dask-ml's own r2 (the default score) fails on any Dask predictions with the
        # current dask ("cannot broadcast shape (nan,)"), for scikit-learn's MLP too.
        model = Incremental(regressor(mlp), scoring="neg_mean_squared_error", random_state=0)
        model.fit(dask_X, dask_target)
        for _ in range(2):
            model.partial_fit(dask_X, dask_target)
        results[mlp] = model.predict(dask_X).compute(), model.score(dask_X, dask_target)
    (predicted, score), (their_predicted, their_score) = results[ann], results[sklearn_mlp]
    np.testing.assert_allclose(predicted, their_predicted, **VALUE_TOLERANCE)
    assert score == pytest.approx(their_score, rel=1e-13)
    assert -score < 0.1 * target.var()  # it learned something


def test_incremental_on_a_memory_mapped_stack(client, problem, tmp_path):
    """Data beyond memory: each worker memory-maps its own block from disk."""
    X, y, _ = problem
    dask_X, dask_y = blocks(X, y)
    da.to_npy_stack(tmp_path / "X", dask_X)
    da.to_npy_stack(tmp_path / "y", dask_y)
    mapped_X = da.from_npy_stack(tmp_path / "X", mmap_mode="r")
    mapped_y = da.from_npy_stack(tmp_path / "y", mmap_mode="r")
    assert mapped_X.chunks == dask_X.chunks
    model = Incremental(classifier(ann), random_state=0).fit(mapped_X, mapped_y, classes=CLASSES)
    in_memory = Incremental(classifier(ann), random_state=0).fit(dask_X, dask_y, classes=CLASSES)
    np.testing.assert_array_equal(
        model.predict_proba(mapped_X).compute(), in_memory.predict_proba(dask_X).compute()
    )


# ------------------------------------------------------------------ ParallelPostFit


def post_fit(mlp, make, X, y):
    """A ParallelPostFit around ``make(mlp)``, fitted in memory on ``X``, ``y``."""
    return ParallelPostFit(make(mlp, max_iter=200)).fit(X, y)


def test_parallel_post_fit_classifier_equals_scikit_learn(client, problem):
    X, y, _ = problem
    dask_X, dask_y = blocks(X, y)
    ours, theirs = (post_fit(mlp, classifier, X, y) for mlp in (ann, sklearn_mlp))
    (labels, probabilities, score), _ = run_on(client, lambda: outputs(ours, dask_X, dask_y))
    their_labels, their_probabilities, their_score = outputs(theirs, dask_X, dask_y)
    np.testing.assert_array_equal(labels, their_labels)
    np.testing.assert_allclose(probabilities, their_probabilities, rtol=0, atol=PROBABILITY_ATOL)
    assert score == their_score == ours.estimator.score(X, y)
    # block by block gives the in-memory answer bit for bit
    np.testing.assert_array_equal(probabilities, ours.estimator.predict_proba(X))


def test_parallel_post_fit_regressor_equals_scikit_learn(client, problem):
    X, _, target = problem
    dask_X, dask_target = blocks(X, target)
    ours, theirs = (post_fit(mlp, regressor, X, target) for mlp in (ann, sklearn_mlp))
    predicted = ours.predict(dask_X).compute()
    np.testing.assert_allclose(predicted, theirs.predict(dask_X).compute(), **VALUE_TOLERANCE)
    np.testing.assert_array_equal(predicted, ours.estimator.predict(X))
    scorer = ParallelPostFit(ours.estimator, scoring="neg_mean_squared_error")
    their_scorer = ParallelPostFit(theirs.estimator, scoring="neg_mean_squared_error")
    score = scorer.score(dask_X, dask_target)
    assert score == pytest.approx(their_scorer.score(dask_X, dask_target), rel=1e-13)
    assert score == pytest.approx(-np.mean((predicted - target) ** 2), rel=1e-13)


# ------------------------------------------------------------------ GridSearchCV


def test_grid_search_under_the_dask_backend_equals_scikit_learn(client, problem):
    X, y, _ = problem
    grid = {"hidden_layer_sizes": [(4,), (8,)], "alpha": [1e-4, 1.0]}
    searches = {}
    for mlp in (ann, sklearn_mlp):
        search = GridSearchCV(mlp.MLPClassifier(max_iter=100, random_state=0), grid, cv=3)
        with joblib.parallel_backend("dask"):
            _, workers = run_on(client, lambda search=search: search.fit(X, y))
        assert workers, "the candidates were not fitted on the cluster"
        searches[mlp] = search
    ours, theirs = searches[ann], searches[sklearn_mlp]
    scores = ours.cv_results_["mean_test_score"]
    np.testing.assert_array_equal(scores, theirs.cv_results_["mean_test_score"])
    assert len(set(scores)) > 1  # the grid points do differ
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


# ------------------------------------------------------------------ unknown chunk sizes


def unknown_chunks(problem):
    """``X`` and ``y`` as Dask arrays filtered by a mask: the rows kept per block (and so
    the chunk sizes) are unknown until computed. Also returns the mask."""
    X, y, _ = problem
    dask_X, dask_y = blocks(X, y)
    keep = dask_X[:, 0] > -0.5
    return dask_X[keep], dask_y[keep], keep.compute()


def test_incremental_with_unknown_chunk_sizes(client, problem):
    X, y, keep = unknown_chunks(problem)
    assert np.isnan(X.shape[0]) and np.isnan(y.shape[0])
    model = Incremental(classifier(ann), random_state=0).fit(X, y, classes=CLASSES)
    # the same blocks with their sizes known
    sizes = [int(keep[start : start + BLOCK].sum()) for start in range(0, len(keep), BLOCK)]
    known_X = da.from_array(problem[0][keep], chunks=(tuple(sizes), 6))
    known_y = da.from_array(problem[1][keep], chunks=(tuple(sizes),))
    known = Incremental(classifier(ann), random_state=0).fit(known_X, known_y, classes=CLASSES)
    np.testing.assert_array_equal(
        model.predict_proba(X).compute(), known.predict_proba(known_X).compute()
    )


def test_unknown_chunks_that_do_not_match_y_are_named(client, problem):
    X, _, keep = unknown_chunks(problem)
    _, y = blocks(*problem[:2])  # all rows: the blocks of X are shorter
    first = int(keep[:BLOCK].sum())
    assert first < BLOCK
    with pytest.raises(ValueError, match=rf"inconsistent numbers of samples: \[{first}, {BLOCK}\]"):
        Incremental(classifier(ann), shuffle_blocks=False).fit(X, y, classes=CLASSES)


@BOTH
def test_parallel_post_fit_predicts_unknown_chunk_sizes(client, problem, mlp):
    X, y, keep = unknown_chunks(problem)
    model = post_fit(mlp, classifier, *problem[:2])
    expected = model.estimator.predict_proba(problem[0][keep])
    np.testing.assert_array_equal(model.predict_proba(X).compute(), expected)
    assert model.score(X, y) == model.estimator.score(problem[0][keep], problem[1][keep])
    # An X of unknown length against a y of known length cannot be scored; dask-ml says
    # so in terms of shapes (the same for scikit-learn's MLP).
    _, all_y = blocks(*problem[:2])
    with pytest.raises(ValueError, match=r"shapes \(240,\) \(nan,\)"):
        model.score(X, all_y)


@BOTH
def test_parallel_post_fit_on_an_emptied_block_names_it(client, problem, mlp):
    """A filter that empties a block gives a block of 0 samples: refused, as in
    scikit-learn, with the count in the message."""
    X, _, _ = problem
    dask_X, _ = blocks(X, problem[1])
    model = post_fit(mlp, classifier, *problem[:2])
    emptied = dask_X[dask_X[:, 0] > np.sort(X[:BLOCK, 0])[-1]]  # nothing left in block 0
    with pytest.raises(ValueError, match=r"0 sample\(s\) \(shape=\(0, 6\)\)"):
        model.predict(emptied).compute()


# ------------------------------------------------------------------ classes and labels


def test_blocks_missing_some_classes_and_a_class_never_seen(client, problem):
    """Blocks that each lack classes train fine with ``classes=``; a class of ``classes=``
    no block holds gets its (small) probability column."""
    X, y, _ = problem
    order = np.argsort(y, kind="stable")  # block 0 holds only class 0, the last only 2
    dask_X, dask_y = blocks(X[order], y[order])
    assert set(y[order][:BLOCK]) == {0}
    results = {}
    for mlp in (ann, sklearn_mlp):
        model = Incremental(classifier(mlp), random_state=0)
        model.fit(dask_X, dask_y, classes=[0, 1, 2, 3])
        results[mlp] = model.predict_proba(dask_X).compute(), model.estimator_.classes_
    (probabilities, classes), (their_probabilities, their_classes) = results.values()
    np.testing.assert_array_equal(classes, [0, 1, 2, 3])
    np.testing.assert_array_equal(classes, their_classes)
    assert probabilities.shape == (len(X), 4)
    np.testing.assert_allclose(probabilities, their_probabilities, rtol=0, atol=PROBABILITY_ATOL)


def label_blocks(problem, last_label):
    """The problem's blocks, with the label of every sample of the last block set to
    ``last_label``."""
    X, y, _ = problem
    y = y.copy()
    y[-BLOCK:] = last_label
    return blocks(X, y)


@pytest.mark.parametrize("position", ["first", "last"])
def test_label_not_in_classes_is_named(client, problem, position):
    X, y = label_blocks(problem, last_label=7)
    if position == "first":
        X, y = X[::-1], y[::-1]  # the block holding 7 comes first
    message = r"`y` has classes not in `self.classes_`\. `self.classes_` has \[0 1 2\]"
    with pytest.raises(ValueError, match=message + r".*'y' has \[7\]"):
        Incremental(classifier(ann), shuffle_blocks=False).fit(X, y, classes=CLASSES)


def test_classes_required_on_the_first_block(client, problem):
    X, y = blocks(*problem[:2])
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        Incremental(classifier(ann), random_state=0).fit(X, y)


def test_classes_of_another_type_than_the_labels(client, problem):
    X, y = blocks(*problem[:2])
    with pytest.raises(ValueError, match=r"`self.classes_` has \['a' 'b' 'c'\]"):
        Incremental(classifier(ann), random_state=0).fit(X, y, classes=["a", "b", "c"])


def test_other_classes_on_a_later_call(client, problem):
    X, y = blocks(*problem[:2])
    model = Incremental(classifier(ann), random_state=0).fit(X, y, classes=CLASSES)
    with pytest.raises(ValueError, match=r"`classes=\[0, 1, 2, 3\]` is not the same as on last"):
        model.partial_fit(X, y, classes=[0, 1, 2, 3])
