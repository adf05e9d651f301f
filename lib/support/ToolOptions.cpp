//===- ToolOptions.cpp - --help and --version of the mpcvit tools ---------===//

#include "mpcvit/support/ToolOptions.h"

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

#ifndef MPCVIT_VERSION
#error "MPCVIT_VERSION is defined by lib/support/CMakeLists.txt"
#endif

using namespace llvm;

namespace mpcvit {

StringRef version() { return MPCVIT_VERSION; }

void setupToolOptions(StringRef toolName, cl::OptionCategory &own,
                      ArrayRef<StringRef> keep) {
  cl::SetVersionPrinter([name = toolName.str()](raw_ostream &os) {
    os << name << " " << version() << " (LLVM " << LLVM_VERSION_STRING << ")\n";
  });
  auto kept = [&](StringRef name) {
    for (StringRef k : keep)
      if (k.ends_with("*") ? name.starts_with(k.drop_back()) : name == k)
        return true;
    return false;
  };
  // An option may be registered under several names (a pass list under
  // each pass's): keep it visible if any of them is kept.
  SmallPtrSet<cl::Option *, 16> visible;
  auto &opts = cl::getRegisteredOptions();
  for (auto &[name, opt] : opts) {
    bool show = kept(name);
    for (cl::OptionCategory *c : opt->Categories)
      show |= c == &own || c->getName() == "Generic Options";
    if (show)
      visible.insert(opt);
  }
  for (auto &[name, opt] : opts)
    if (!visible.contains(opt) && opt->getOptionHiddenFlag() == cl::NotHidden)
      opt->setHiddenFlag(cl::Hidden);
}

} // namespace mpcvit
