"""Helpers shared by the tests: repository paths, tool lookup."""

import os
import shutil

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(REPO, os.environ.get("MPCVIT_BUILD_DIR", "build"), "bin")
FMNIST = "/usr/share/datasets/fashion-mnist"


def tool(name):
    """Path of a built tool, or None."""
    p = os.path.join(BIN, name)
    if os.path.isfile(p) and os.access(p, os.X_OK):
        return p
    return shutil.which(name)


def have_fmnist():
    return os.path.isfile(os.path.join(FMNIST, "t10k-images-idx3-ubyte.gz"))


# The C++ tools the end-to-end tests drive.
TOOLS = ("mpcvit-compile", "mpcvit-opt", "mpcvit-translate", "mpcvit-run")


def missing_tools_or_data():
    """Why the end-to-end tests cannot run (tools not built, Fashion-MNIST
    not installed), or None."""
    absent = [t for t in TOOLS if not tool(t)]
    if absent:
        return f"C++ tools not built ({', '.join(absent)}; set MPCVIT_BUILD_DIR)"
    if not have_fmnist():
        return "Fashion-MNIST not installed"
    return None
