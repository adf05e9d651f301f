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

tools = ["mpcvit-opt", "FileCheck", "not", "count"]
llvm_config.add_tool_substitutions(
    tools, [config.mpcvit_tools_dir, config.llvm_tools_dir])
