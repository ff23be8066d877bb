"""Memory a worker gives back to the system once a login's hash is done.

glibc's malloc serves a block of 32 MiB or less from the heap of the thread that asks for it
once a block that size has been freed (it raises its mmap threshold as it goes), and keeps
that heap's pages. Argon2's 19 MiB, asked for by whichever hashing thread a login lands on,
would then stay resident in every such thread's heap: ~150 MiB a worker after a burst of
logins. A fixed threshold keeps large blocks mapped on their own, so each is unmapped (and its
memory given back) when it is freed.
"""

import ctypes

# mallopt's parameter for the threshold (glibc's malloc.h); setting it turns off the raising.
_M_MMAP_THRESHOLD = -3
LARGE_BLOCK_BYTES = 1024 * 1024


def return_large_blocks_to_the_system() -> bool:
    """Whether the C library took the setting (glibc does; macOS has no mallopt)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES))
