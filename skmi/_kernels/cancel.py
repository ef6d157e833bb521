"""The cancel flag of the long kernels (see :mod:`skmi._kernels._interrupt`).

A kernel is passed a one-element ``uint8`` array that another thread sets to 1 when
Ctrl-C is pressed, and calls :func:`cancelled` on it between two of its tasks. A plain
``flag[0]`` would not do: nothing in the kernel writes the flag, so LLVM may load it
once before the loop and never again. :func:`cancelled` loads it atomically (monotonic
ordering), a load the optimiser keeps where it is; it costs what a plain load does.
"""

from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic


@intrinsic
def cancelled(typingctx, flag):
    """Whether ``flag[0]`` (a ``uint8`` array) is set, read afresh (jitted code only)."""
    if not (isinstance(flag, types.Array) and flag.dtype == types.uint8):
        return None

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        value = builder.load_atomic(array.data, "monotonic", 1)
        return builder.icmp_unsigned("!=", value, ir.Constant(value.type, 0))

    return types.boolean(flag), codegen
