"""jacobian_tall / jacobian_wide: forward vs reverse mode on tall and wide Jacobians.

``f(x) = tanh(A @ x) * c`` maps R^n to R^m.  Forward mode (``jax.jacfwd``) builds the
Jacobian one input direction at a time (n Jacobian-vector products), reverse mode
(``jax.jacrev``) one output at a time (m vector-Jacobian products); under vmap both
become batched matrix products, so the cost difference shows in their shapes: forward
mode should win on a tall Jacobian (m >> n), reverse mode on a wide one (m << n).  The
NumPy reference is the hand-written Jacobian ``(c * (1 - tanh(Ax)^2))[:, None] * A``;
"jax_eager_jacfwd"/"jax_eager_jacrev" run the same transforms op by op (no jit).
M is sized for the mode that fits the shape badly (it builds a max(m, n)^2 basis and does
max(m, n)/min(m, n) times the work), so its NumPy call takes well under a millisecond;
L (mode that fits only) reads A and writes the Jacobian, 64 MB in float32.  Claim: modes.
"""

import jax
import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, m, n):
    a = rng.standard_normal((m, n)) / np.sqrt(n)
    x = rng.standard_normal(n)
    c = rng.uniform(0.5, 1.5, m)
    return a.astype(dtype), x.astype(dtype), c.astype(dtype)


def numpy_jacobian(a, x, c):
    t = np.tanh(a @ x)
    return (c * (1 - t * t))[:, None] * a


def f(x, a, c):
    return jnp.tanh(a @ x) * c


def jax_jacfwd(a, x, c):
    return jax.jacfwd(f)(x, a, c)


def jax_jacrev(a, x, c):
    return jax.jacrev(f)(x, a, c)


def cost(dtype, m, n):
    # The hand-written Jacobian: A @ x (2mn), then scaling every entry (mn).  A read once, the
    # m x n Jacobian written once.
    return Cost(flops=3 * m * n, bytes=2 * m * n * dtype.itemsize)


def _workload(name, shape_doc, sizes, wrong_mode):
    fwd_sizes = ("S", "M") if wrong_mode == "jacfwd" else ("S", "M", "L")
    rev_sizes = ("S", "M") if wrong_mode == "jacrev" else ("S", "M", "L")
    # the mode the shape favours is the workload's compiled implementation
    modes = {wrong_mode: ("expected_slower",),
             ({"jacfwd", "jacrev"} - {wrong_mode}).pop(): ("compiled", "expected_faster")}
    return Workload(
        name=name,
        claims=("modes",),
        area="autodiff",
        description=f"{shape_doc} {__doc__}",
        sizes=sizes,
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_jacobian, description="NumPy, hand-written Jacobian"),
            # The mode that fits the shape badly costs a factor max(m, n) / min(m, n) more work
            # and memory: at L it would need tens of GB, so it runs at S and M only.
            jax_jit(jax_jacfwd, "jax_jacfwd", description="jax.jacfwd under jit (forward mode)",
                    sizes=fwd_sizes, roles=modes["jacfwd"]),
            jax_jit(jax_jacrev, "jax_jacrev", description="jax.jacrev under jit (reverse mode)",
                    sizes=rev_sizes, roles=modes["jacrev"]),
            jax_eager(jax_jacfwd, "jax_eager_jacfwd", description="jax.jacfwd op by op",
                      sizes=fwd_sizes, roles=() if wrong_mode == "jacfwd" else ("op_by_op",)),
            jax_eager(jax_jacrev, "jax_eager_jacrev", description="jax.jacrev op by op",
                      sizes=rev_sizes, roles=() if wrong_mode == "jacrev" else ("op_by_op",)),
        ),
        cost_fn=cost,
        tolerance={"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-13)},
    )


WORKLOADS = (
    _workload("jacobian_tall", "Tall Jacobian (m >> n): forward mode should win.",
              {"S": {"m": 256, "n": 4}, "M": {"m": 2048, "n": 32}, "L": {"m": 131_072, "n": 64}},
              wrong_mode="jacrev"),
    _workload("jacobian_wide", "Wide Jacobian (n >> m): reverse mode should win.",
              {"S": {"m": 4, "n": 256}, "M": {"m": 32, "n": 2048}, "L": {"m": 64, "n": 131_072}},
              wrong_mode="jacfwd"),
)
