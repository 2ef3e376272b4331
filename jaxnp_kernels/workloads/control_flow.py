"""Control flow inside compiled loops: branches, partial carry updates, lax.map, random draws.

The loops workloads (``loops.py``) time loop forms around an elementwise recurrence; these
time what a loop body does besides arithmetic, each described below:

- ``switch_state_machine``: a ``lax.scan`` whose body branches (``lax.switch``) on a state
  in its carry, against computing every branch and selecting;
- ``gossip_rows``: a ``fori_loop`` whose body rewrites two rows of its carry, which XLA must
  do in place for the loop to be cheap when the carry is large;
- ``map_kepler``: ``lax.map`` of a per-example ``while_loop`` (Newton's method with its own
  number of iterations per example), against ``vmap`` and vectorised NumPy;
- ``metropolis_chain``: a ``lax.scan`` whose body draws random numbers (``fold_in`` and
  ``split`` of a key each step), against drawing them all before the loop.
- ``cond_branches``: a ``fori_loop`` whose body runs ``lax.cond`` on a per-step flag, a
  heavy branch or a light one, against computing both and selecting, and against a Python
  loop of op-by-op JAX.

A sequential computation has no vectorised NumPy form: where the NumPy reference is a Python
loop, its description says so.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..registry import Cost, Inputs, Workload, jax_eager, jax_jit, numpy_impl

INDEX_DTYPE = np.int32

# -- switch_state_machine ------------------------------------------------------------------------

SWITCH = """switch_state_machine: a scan whose body branches on a small state machine in its carry.

The carry is a state in {0, 1, 2} and an (n, 4) array x; each step applies the state's map to
x (0: ``0.9 x + b``; 1: ``0.5 tanh(x) + b``; 2: ``0.9 x @ R``, R a 4x4 rotation) and moves
to the next state given by a fixed transition table and the step's input symbol.  "jax_switch"
is ``lax.scan`` with ``lax.switch``, so each step runs one branch; "jax_select" computes all
three maps every step and keeps one with ``jnp.where``, the form ``vmap`` turns a branch into.
NumPy runs the natural Python loop with an ``if``/``elif`` per step (the recurrence is
sequential).  At M the carry is a 4x4 matrix and there are 2000 steps, so the time is per-step
overhead (the branch's dispatch against three tiny maps); at L the carry is a (2^19, 4) array
(8 MB in float32, 128 MB read and written over the call) for 8 steps, so one branch's sweep against three is what counts.  Every map
contracts (derivative at most 0.9), so rounding does not grow with the steps.  Claim: loop.
"""

#: Next state, indexed by [state, symbol]; every state is reached from every other.
TRANSITIONS = np.array([[1, 2], [2, 0], [0, 1]], dtype=INDEX_DTYPE)


def make_switch_inputs(rng, dtype, n, steps):
    x = rng.uniform(-1.0, 1.0, (n, 4)).astype(dtype)
    b = rng.uniform(-0.1, 0.1, 4).astype(dtype)
    q, r = np.linalg.qr(rng.standard_normal((4, 4)))
    rotation = (q * np.sign(np.diag(r))).astype(dtype)  # orthogonal: |x @ R| = |x|
    symbols = rng.integers(0, 2, steps).astype(INDEX_DTYPE)
    return x, b, rotation, symbols


def numpy_state_machine(x, b, rotation, symbols):
    """Python loop: one branch per step, as the recurrence is sequential."""
    state = 0
    for symbol in symbols.tolist():
        if state == 0:
            x = 0.9 * x + b
        elif state == 1:
            x = 0.5 * np.tanh(x) + b
        else:
            x = 0.9 * (x @ rotation)
        state = int(TRANSITIONS[state, symbol])
    return x


def _branches(b, rotation):
    return (lambda x: 0.9 * x + b,
            lambda x: 0.5 * jnp.tanh(x) + b,
            lambda x: 0.9 * (x @ rotation))


def jax_switch(x, b, rotation, symbols):
    branches = _branches(b, rotation)
    table = jnp.asarray(TRANSITIONS)

    def step(carry, symbol):
        state, x = carry
        return (table[state, symbol], lax.switch(state, branches, x)), None

    (_, x), _ = lax.scan(step, (jnp.int32(0), x), symbols)
    return x


def jax_select(x, b, rotation, symbols):
    decay, squash, rotate = _branches(b, rotation)
    table = jnp.asarray(TRANSITIONS)

    def step(carry, symbol):
        state, x = carry
        x = jnp.where(state == 0, decay(x), jnp.where(state == 1, squash(x), rotate(x)))
        return (table[state, symbol], x), None

    (_, x), _ = lax.scan(step, (jnp.int32(0), x), symbols)
    return x


def switch_cost(dtype, n, steps):
    # Per element and step, averaged over the three maps (each state is visited about a third
    # of the time): decay 2 flops, squash 3 (tanh counted as one), rotate 8 (a row of 4 times a
    # 4x4 matrix is 28 flops per 4 elements, plus the scaling): about 4.3.  Bytes: each step
    # reads and writes x (the carry of a loop whose steps are not fused), plus the symbols.
    return Cost(flops=13 / 3 * 4 * n * steps,
                bytes=2 * 4 * n * steps * dtype.itemsize + 4 * steps)


# -- gossip_rows -----------------------------------------------------------------------------------

GOSSIP = """gossip_rows: randomised gossip averaging, a loop that rewrites two rows of its carry per step.

The carry is an (n, d) array, one row per node; step t averages the rows of the pair
(i_t, j_t) and writes the average into both (the randomised gossip algorithm; the column
sums are invariant).  NumPy copies x once, then loops in Python writing the two rows in
place (sequential: a pair may reuse a row written one step before).  JAX runs a
``lax.fori_loop`` whose body writes both rows with one functional update,
``x.at[jnp.stack([i, j])].set(m)``, which XLA performs in place in the loop's buffer.  The
form one writes first, ``x.at[i].set(m).at[j].set(m)``, is a trap: XLA then copies the whole
carry every step (in JAX 0.4.31 and 0.10.2; ~96 s per call at L, so it is not an
implementation here, but the tests check the copy).  Both sides copy the input once
(neither mutates its argument).  At M the carry is 64 x 4 and there are 2000 steps (per
step overhead); at L it is 65536 x 256 (64 MB in float32) with the same 2000 steps, so the
time shows whether each step touches two rows or the whole carry.  Claim: loop.
"""


def make_gossip_inputs(rng, dtype, n, d, steps):
    x = rng.standard_normal((n, d)).astype(dtype)
    first = rng.integers(0, n, steps)
    second = (first + rng.integers(1, n, steps)) % n  # a different node
    return x, first.astype(INDEX_DTYPE), second.astype(INDEX_DTYPE)


def numpy_gossip(x, first, second):
    """Python loop over the pairs (sequential), rows written in place into one copy of x."""
    x = x.copy()
    for i, j in zip(first.tolist(), second.tolist()):
        mean = 0.5 * (x[i] + x[j])
        x[i] = mean
        x[j] = mean
    return x


def jax_gossip(x, first, second):
    """Both rows written by one update (see :func:`jax_gossip_chained` for why)."""
    def step(t, x):
        i, j = first[t], second[t]
        mean = 0.5 * (x[i] + x[j])
        return x.at[jnp.stack([i, j])].set(mean)

    return lax.fori_loop(0, first.shape[0], step, x)


def jax_gossip_chained(x, first, second):
    """The same loop with two chained updates, ``x.at[i].set(m).at[j].set(m)``.

    Not an implementation of the workload: XLA fuses the average (which reads rows of the old
    carry) into both row writes, so the second write reads a buffer the first has overwritten,
    and XLA copies the whole carry every step to keep it (JAX 0.4.31 and 0.10.2 alike: ~96 s
    per call at size L, against ~0.1 s for :func:`jax_gossip`).  The tests check the copy.
    """
    def step(t, x):
        i, j = first[t], second[t]
        mean = 0.5 * (x[i] + x[j])
        return x.at[i].set(mean).at[j].set(mean)

    return lax.fori_loop(0, first.shape[0], step, x)


def gossip_cost(dtype, n, d, steps):
    # Per step: d adds and d multiplies.  Bytes: x read once and written once, the pairs read
    # once (the rows a step touches are in cache or were counted with x).
    return Cost(flops=2 * d * steps,
                bytes=2 * n * d * dtype.itemsize + 2 * steps * np.dtype(INDEX_DTYPE).itemsize)


# -- map_kepler ------------------------------------------------------------------------------------

KEPLER = """map_kepler: lax.map of a per-example while_loop (Newton's method on Kepler's equation).

Each example is an orbit: an eccentricity e in [0, 0.95] and k mean anomalies m in
[-pi, pi); the per-example function solves ``E - e sin E = m`` for all k by Newton's method
from Danby's starting point, in a ``lax.while_loop`` that stops when the orbit's largest
Newton step falls below a tolerance (1e-5 in float32, 1e-12 in float64), so eccentric orbits
take more iterations than round ones.  "jax_map" runs the examples one after another with
``lax.map`` (each its own number of iterations); "jax_vmap" batches the function with
``vmap``, which turns the while loop into one loop that runs until the slowest example has
converged, the others masked.  NumPy, vectorised over the whole batch, does what vmap does:
iterate while any orbit has not converged and update only those that have not.  At M
(1000 orbits of 4 anomalies) the examples are tiny, so the question is whether a loop over
them (lax.map) beats the masked iterations of the batched forms; at L (8 orbits of 2^18
anomalies, 16 MB moved in float32) each example is a large vectorised sweep and lax.map
saves the masked iterations.  Claim: loop.
"""

#: Newton's method stops when the largest step of an orbit is below this (per dtype): the
#: error left is then below (e / 2(1 - e)) step^2 ~ 1e-9, below float32 rounding.
KEPLER_TOLERANCE = {"float32": 1e-5, "float64": 1e-12}
#: A bound on the iterations, which Newton from Danby's start never reaches for e <= 0.95.
KEPLER_MAX_ITERATIONS = 50


def make_kepler_inputs(rng, dtype, batch, k):
    eccentricity = rng.uniform(0.0, 0.95, batch).astype(dtype)
    mean_anomaly = rng.uniform(-math.pi, math.pi, (batch, k)).astype(dtype)
    return Inputs((eccentricity, mean_anomaly),
                  {"tol": KEPLER_TOLERANCE[dtype.name], "max_iterations": KEPLER_MAX_ITERATIONS})


def numpy_kepler(eccentricity, mean_anomaly, tol, max_iterations):
    """Vectorised over the batch; orbits that have converged are no longer updated."""
    e = eccentricity[:, None]
    m = mean_anomaly
    anomaly = m + 0.85 * e * np.sign(np.sin(m))
    active = np.ones(eccentricity.shape, dtype=bool)
    for _ in range(max_iterations):
        step = (anomaly - e * np.sin(anomaly) - m) / (1 - e * np.cos(anomaly))
        anomaly = np.where(active[:, None], anomaly - step, anomaly)
        active &= np.abs(step).max(axis=1) > tol
        if not active.any():
            break
    return anomaly


def solve_kepler(e, m, tol, max_iterations):
    """One orbit: Newton's method until its largest step is below ``tol``."""
    def not_done(carry):
        iteration, _, largest_step = carry
        return (iteration < max_iterations) & (largest_step > tol)

    def newton(carry):
        iteration, anomaly, _ = carry
        step = (anomaly - e * jnp.sin(anomaly) - m) / (1 - e * jnp.cos(anomaly))
        return iteration + 1, anomaly - step, jnp.max(jnp.abs(step))

    start = m + 0.85 * e * jnp.sign(jnp.sin(m))
    return lax.while_loop(not_done, newton, (0, start, jnp.array(jnp.inf, m.dtype)))[1]


def jax_map_kepler(eccentricity, mean_anomaly, tol, max_iterations):
    return lax.map(lambda orbit: solve_kepler(*orbit, tol, max_iterations), (eccentricity, mean_anomaly))


def jax_vmap_kepler(eccentricity, mean_anomaly, tol, max_iterations):
    return jax.vmap(lambda e, m: solve_kepler(e, m, tol, max_iterations))(eccentricity, mean_anomaly)


def kepler_cost(dtype, batch, k):
    # Per anomaly and Newton iteration: sin, cos (one flop each), 2 multiplies, 3 adds, a
    # divide, the step's absolute value and maximum: 10 flops; about 4 iterations on average
    # from Danby's start.  Bytes: the anomalies read once and written once, e read once.
    return Cost(flops=40 * batch * k, bytes=(2 * batch * k + batch) * dtype.itemsize)


# -- metropolis_chain ------------------------------------------------------------------------------

METROPOLIS = """metropolis_chain: random-walk Metropolis chains whose loop body draws random numbers.

Each of ``chains`` independent chains has a 4-number state and targets a Gaussian with
standard deviations (0.5, 1, 1.5, 2); a step proposes ``x + 0.8 s z`` (z standard normal,
s the scales), accepts it with probability ``min(1, p(proposal)/p(x))`` and counts the
acceptances.  The chains start from a draw from the target (an input), so every state is
distributed as the target.  "jax_scan" draws inside the body: each step folds the step
number into the key and splits it for the proposal and the acceptance test, the cost the
claim is about (random numbers generated inside a compiled loop).  "jax_predrawn" draws all
normals and uniforms with two calls before the ``lax.scan``, as NumPy does with its
Generator (one vectorised draw, then a Python loop over the sequential steps).  The streams
differ (threefry against PCG64), so results are checked statistically, not element by
element: the final states against the target, the acceptance rate against NumPy's.  At M,
8 chains (a 8 x 4 carry) and 500 steps: per step overhead; at L, 2^16 chains for 10 steps
(1 MB of state in float32; what grows is the 3.3 million random numbers drawn per call,
not the held arrays).  Claim: loop.
"""

#: Standard deviations of the target in each of the 4 coordinates.
METROPOLIS_SCALES = (0.5, 1.0, 1.5, 2.0)
#: Proposal step in units of the scales; in 4 dimensions it accepts about 60% of proposals.
METROPOLIS_STEP = 0.8


def make_metropolis_inputs(rng, dtype, chains, steps):
    start = (np.asarray(METROPOLIS_SCALES) * rng.standard_normal((chains, 4))).astype(dtype)
    # The seed is an input array, not a constant, so XLA cannot draw at compile time.
    seed = rng.integers(0, 2**31 - 1, size=1, dtype=np.uint32)
    return Inputs((start, seed), {"steps": steps})


def _log_density(x, scales):
    return -0.5 * ((x / scales) ** 2).sum(axis=-1)


def _metropolis_step(x, log_p, accepted, z, log_u, scales, xp):
    """One step of every chain; the log density of the current state is carried."""
    proposal = x + METROPOLIS_STEP * scales * z
    log_p_proposal = _log_density(proposal, scales)
    accept = log_u < log_p_proposal - log_p
    return (xp.where(accept[:, None], proposal, x), xp.where(accept, log_p_proposal, log_p),
            accepted + accept)


def numpy_metropolis(start, seed, steps):
    """One vectorised draw of all random numbers, then a Python loop over the steps."""
    dtype = start.dtype
    chains = start.shape[0]
    rng = np.random.default_rng(int(seed[0]))
    z = rng.standard_normal((steps, chains, 4), dtype=dtype)
    log_u = np.log(rng.random((steps, chains), dtype=dtype))
    scales = np.asarray(METROPOLIS_SCALES, dtype=dtype)
    carry = start, _log_density(start, scales), np.zeros(chains, dtype=INDEX_DTYPE)
    for t in range(steps):
        carry = _metropolis_step(*carry, z[t], log_u[t], scales, np)
    x, _, accepted = carry
    return x, (accepted / steps).astype(dtype)


def jax_metropolis_scan(start, seed, steps):
    dtype = start.dtype
    chains = start.shape[0]
    key = jax.random.PRNGKey(seed[0])
    scales = jnp.asarray(METROPOLIS_SCALES, dtype=dtype)

    def step(carry, t):
        key_z, key_u = jax.random.split(jax.random.fold_in(key, t))
        z = jax.random.normal(key_z, (chains, 4), dtype)
        log_u = jnp.log(jax.random.uniform(key_u, (chains,), dtype))
        return _metropolis_step(*carry, z, log_u, scales, jnp), None

    carry = start, _log_density(start, scales), jnp.zeros(chains, jnp.int32)
    (x, _, accepted), _ = lax.scan(step, carry, jnp.arange(steps))
    return x, (accepted / steps).astype(dtype)


def jax_metropolis_predrawn(start, seed, steps):
    dtype = start.dtype
    chains = start.shape[0]
    key_z, key_u = jax.random.split(jax.random.PRNGKey(seed[0]))
    z = jax.random.normal(key_z, (steps, chains, 4), dtype)
    log_u = jnp.log(jax.random.uniform(key_u, (steps, chains), dtype))
    scales = jnp.asarray(METROPOLIS_SCALES, dtype=dtype)

    def step(carry, draws):
        return _metropolis_step(*carry, *draws, scales, jnp), None

    carry = start, _log_density(start, scales), jnp.zeros(chains, jnp.int32)
    (x, _, accepted), _ = lax.scan(step, carry, (z, log_u))
    return x, (accepted / steps).astype(dtype)


def check_metropolis(result, reference, rtol, atol):
    """Whether one output of a chain run is plausible; ``(ok, detail)``.

    Final states (chains x 4): in units of the target's scales, the mean and the mean square
    of each coordinate lie within six standard errors of 0 and 1 (the chains start from the
    target, so every state is a draw from it).  Acceptance rates (one per chain): their mean
    lies within 0.02 plus six standard errors of the reference's (another run of the same
    chains, with other random numbers), the errors estimated from the spread of the rates
    between chains.  ``rtol`` and ``atol`` are not used.
    """
    del rtol, atol
    x = np.asarray(result, dtype=np.float64)
    if not np.isfinite(x).all():
        return False, "not finite"
    if x.ndim == 2:
        z = x / np.asarray(METROPOLIS_SCALES)
        n = z.shape[0]
        errors = {}
        for c in range(z.shape[1]):
            errors[f"mean of coordinate {c}"] = (abs(z[:, c].mean()), 6 / math.sqrt(n))
            errors[f"mean square of coordinate {c}"] = (abs((z[:, c] ** 2).mean() - 1), 6 * math.sqrt(2 / n))
    else:
        ref = np.asarray(reference, dtype=np.float64)
        # The spread of the per-chain rates measures the error of their mean, including the
        # correlation of each chain's acceptances over time.
        error = math.sqrt(x.var() / x.size + ref.var() / ref.size)
        errors = {"acceptance rate": (abs(x.mean() - ref.mean()), 0.02 + 6 * error)}
    worst = max(errors, key=lambda k: errors[k][0] / errors[k][1])
    ok = all(error <= limit for error, limit in errors.values())
    return ok, f"worst statistic {worst}: off by {errors[worst][0]:.3g} (limit {errors[worst][1]:.3g})"


def metropolis_cost(dtype, chains, steps):
    # Per chain and step: 4 normals and 1 uniform drawn and a log (one flop each), the
    # proposal (8), the proposal's log density (12), the comparison, two selects and the
    # count (9): 35 flops.  Bytes:
    # the start read once, the final state and rates written once (the random numbers are
    # not compulsory traffic: jax_scan never stores them).
    return Cost(flops=35 * chains * steps, bytes=(4 + 4 + 1) * chains * dtype.itemsize)


# -- cond_branches ---------------------------------------------------------------------------------

COND = """cond_branches: a fori_loop whose body chooses a heavy or a light branch with lax.cond.

The carry is an (n, 8) array x; step i applies the heavy branch ``tanh(x @ W)`` (W an 8 x 8
matrix of spectral norm 0.9) when ``flags[i]`` is 1 and the light one ``0.5 x + b`` when it
is 0.  The flags are an int32 input of Bernoulli(1/2) draws, so the branch taken never
depends on a float comparison that float32 and float64, or NumPy and XLA, could decide
differently.  "jax_cond" is ``lax.fori_loop`` with ``lax.cond``, one branch per step;
"jax_where" computes both branches every step and keeps one with ``jnp.where`` (what cond
saves, or what its dispatch costs when the branches are cheap); "jax_eager" is the Python
loop of the NumPy reference run op by op on JAX arrays.  NumPy runs the natural Python loop
with an ``if`` per step (the recurrence is sequential, it has no vectorised form).  At M the
carry is 4 x 8 and there are 1000 steps: per-step overhead.  At L the carry is (2^18, 8),
8 MB in float32, for 8 steps (128 MB read and written over the call): the sweeps count.
There XLA (JAX 0.4.31 and 0.10.2 alike) copies the whole carry every step: the conditional
returns its branch's result in a buffer of its own, which the loop copies into its carry (the
tests check the copy), so "jax_cond" sweeps the carry once more per step than "jax_where",
whose select writes the carry directly: at L one branch instead of two must pay for that
copy.  Both maps contract (tanh and W, and 0.5), so rounding does not grow
with the steps.  Claim: loop.
"""

#: Probability that a step takes the heavy branch.
COND_HEAVY_PROBABILITY = 0.5
#: Spectral norm of W: with tanh (slope <= 1) the heavy branch contracts.
COND_NORM = 0.9


def make_cond_inputs(rng, dtype, n, steps):
    x = rng.uniform(-1.0, 1.0, (n, 8)).astype(dtype)
    u, _, vt = np.linalg.svd(rng.standard_normal((8, 8)))
    w = (COND_NORM * u @ vt).astype(dtype)  # every singular value 0.9: |x @ W| = 0.9 |x|
    b = rng.uniform(-0.1, 0.1, 8).astype(dtype)
    flags = (rng.random(steps) < COND_HEAVY_PROBABILITY).astype(INDEX_DTYPE)
    return x, w, b, flags


def numpy_cond(x, w, b, flags):
    """Python loop with one ``if`` per step, as the recurrence is sequential."""
    for flag in flags.tolist():
        if flag:
            x = np.tanh(x @ w)
        else:
            x = 0.5 * x + b
    return x


def eager_cond(x, w, b, flags):
    """The same Python loop on JAX arrays, each operation dispatched on its own (no jit)."""
    for flag in flags.tolist():  # one transfer of the flags to the host, then Python ints
        if flag:
            x = jnp.tanh(x @ w)
        else:
            x = 0.5 * x + b
    return x


def jax_cond(x, w, b, flags):
    def step(i, x):
        return lax.cond(flags[i] != 0, lambda x: jnp.tanh(x @ w), lambda x: 0.5 * x + b, x)

    return lax.fori_loop(0, flags.shape[0], step, x)


def jax_where(x, w, b, flags):
    def step(i, x):
        return jnp.where(flags[i] != 0, jnp.tanh(x @ w), 0.5 * x + b)

    return lax.fori_loop(0, flags.shape[0], step, x)


def cond_cost(dtype, n, steps):
    # Per element and step: heavy 17 flops (a row of 8 times an 8 x 8 matrix is 128 flops per
    # 8 elements, plus tanh counted as one), light 2; half the steps each: 9.5.  Bytes: each
    # step reads and writes x (the carry of a loop whose steps are not fused), plus W, b and
    # the flags once.
    return Cost(flops=9.5 * 8 * n * steps,
                bytes=2 * 8 * n * steps * dtype.itemsize + (64 + 8) * dtype.itemsize + 4 * steps)


WORKLOADS = (
    Workload(
        name="switch_state_machine",
        claims=("loop",),
        area="control_flow",
        description=SWITCH,
        sizes={"S": {"n": 4, "steps": 100}, "M": {"n": 4, "steps": 2_000},
               "L": {"n": 1 << 19, "steps": 8}},
        make_inputs_fn=make_switch_inputs,
        implementations=(
            numpy_impl(numpy_state_machine, description="NumPy, Python loop with if/elif per step"),
            jax_jit(jax_switch, "jax_switch", description="lax.scan with lax.switch under jit",
                    roles=("compiled",)),
            jax_jit(jax_select, "jax_select", description="lax.scan computing all branches, jnp.where"),
        ),
        cost_fn=switch_cost,
        # Contracting maps: errors stay at a few ulps of |x| <= ~1 whatever the step count; the
        # 4x4 products round differently in NumPy's and XLA's dot.
        tolerance={"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-13)},
    ),
    Workload(
        name="gossip_rows",
        claims=("loop",),
        area="control_flow",
        description=GOSSIP,
        sizes={"S": {"n": 16, "d": 4, "steps": 100}, "M": {"n": 64, "d": 4, "steps": 2_000},
               "L": {"n": 1 << 16, "d": 256, "steps": 2_000}},
        make_inputs_fn=make_gossip_inputs,
        implementations=(
            numpy_impl(numpy_gossip, description="NumPy, Python loop writing two rows in place"),
            jax_jit(jax_gossip, "jax_fori", description="lax.fori_loop with .at[i].set under jit",
                    roles=("compiled",)),
        ),
        cost_fn=gossip_cost,
        # The same additions and halvings in the same order on both sides: exact in practice;
        # the defaults leave room for a fused multiply-add.
    ),
    Workload(
        name="map_kepler",
        claims=("loop",),
        area="control_flow",
        description=KEPLER,
        sizes={"S": {"batch": 20, "k": 8}, "M": {"batch": 1_000, "k": 4},
               "L": {"batch": 8, "k": 1 << 18}},
        make_inputs_fn=make_kepler_inputs,
        implementations=(
            numpy_impl(numpy_kepler, description="NumPy, vectorised Newton over the batch, converged "
                       "orbits masked"),
            jax_jit(jax_map_kepler, "jax_map", description="lax.map of a per-orbit while_loop under jit",
                    roles=("compiled",)),
            jax_jit(jax_vmap_kepler, "jax_vmap", description="vmap of the per-orbit while_loop under jit"),
        ),
        cost_fn=kepler_cost,
        large_arrays=False,  # L grows the work per example (16 MB moved): Newton is sin/cos-bound
        # Converged to below rounding; what is left is sin/cos rounding (NumPy's and XLA's
        # differ by an ulp or so) divided by 1 - e cos E >= 0.05, where |E| is small.
        tolerance={"float32": (1e-5, 1e-5), "float64": (1e-12, 1e-13)},
    ),
    Workload(
        name="metropolis_chain",
        claims=("loop",),
        area="control_flow",
        description=METROPOLIS,
        sizes={"S": {"chains": 32, "steps": 100}, "M": {"chains": 8, "steps": 500},
               "L": {"chains": 1 << 16, "steps": 10}},
        make_inputs_fn=make_metropolis_inputs,
        implementations=(
            numpy_impl(numpy_metropolis, description="NumPy, all draws up front, Python loop over steps"),
            jax_jit(jax_metropolis_scan, "jax_scan", description="lax.scan drawing with fold_in/split "
                    "each step, under jit", roles=("compiled",)),
            jax_jit(jax_metropolis_predrawn, "jax_predrawn", description="all draws before lax.scan, "
                    "under jit"),
        ),
        cost_fn=metropolis_cost,
        check=check_metropolis,
        large_arrays=False,  # L grows the chains and the random numbers drawn (1 MB of state)
    ),
    Workload(
        name="cond_branches",
        claims=("loop",),
        area="control_flow",
        description=COND,
        sizes={"S": {"n": 4, "steps": 100}, "M": {"n": 4, "steps": 1_000},
               "L": {"n": 1 << 18, "steps": 8}},
        make_inputs_fn=make_cond_inputs,
        implementations=(
            numpy_impl(numpy_cond, description="NumPy, Python loop with an if per step"),
            jax_jit(jax_cond, "jax_cond", description="lax.fori_loop with lax.cond under jit",
                    roles=("compiled",)),
            jax_jit(jax_where, "jax_where", description="lax.fori_loop computing both branches, "
                    "jnp.where, under jit"),
            jax_eager(eager_cond, description="Python loop with an if per step, JAX op by op"),
        ),
        cost_fn=cond_cost,
        # Contracting maps: errors stay at a few ulps of |x| <= 1 whatever the step count; the
        # 8 x 8 products and tanh round differently in NumPy and XLA.
        tolerance={"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-13)},
    ),
)
