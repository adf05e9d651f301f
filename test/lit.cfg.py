# lit configuration for mpcvit: FileCheck tests of the dialects and passes.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "mpcvit"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mpcvit_obj_root, "test")

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tools = ["mpcvit-opt", "mpcvit-translate", "mpcvit-run", "FileCheck", "not", "count"]
llvm_config.add_tool_substitutions(
    tools, [config.mpcvit_tools_dir, config.llvm_tools_dir])

# Tests that make their fixtures with PyTorch (apt python3-torch, run with
# /usr/bin/python3) require the `torch` feature.
import subprocess


def _python_has(module):
    try:
        return subprocess.run(["/usr/bin/python3", "-c", "import " + module],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL,
                              timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


if _python_has("torch"):
    config.available_features.add("torch")
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%mpcvit_python", os.path.join(
    config.mpcvit_src_root, "python", "mpcvit")))
