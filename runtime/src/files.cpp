//===- files.cpp - Files the runtime reads and writes, with bounds --------===//
#include "mpcvit/runtime/files.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace mpcvit::rt {

std::string readFileBounded(const std::string &path, uint64_t maxBytes,
                            const std::string &what) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw std::runtime_error("cannot read '" + path +
                             "': " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size < 0) {
    ::close(fd);
    throw std::runtime_error("cannot read '" + path + "'");
  }
  if (uint64_t(st.st_size) > maxBytes) {
    ::close(fd);
    throw std::runtime_error("'" + path + "': " + std::to_string(st.st_size) +
                             " bytes, more than the " +
                             std::to_string(maxBytes) + " allowed for " + what);
  }
  std::string b(size_t(st.st_size), '\0');
  size_t off = 0;
  while (off < b.size()) {
    ssize_t r = ::read(fd, b.data() + off, b.size() - off);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      ::close(fd);
      throw std::runtime_error(
          "cannot read '" + path +
          "': " + (r == 0 ? "file shrank while read" : std::strerror(errno)));
    }
    off += size_t(r);
  }
  ::close(fd);
  return b;
}

void writeFilePrivate(const std::string &path,
                      std::initializer_list<std::string_view> parts) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    throw std::runtime_error("cannot write '" + path +
                             "': " + std::strerror(errno));
  for (std::string_view v : parts) {
    size_t off = 0;
    while (off < v.size()) {
      ssize_t w = ::write(fd, v.data() + off, v.size() - off);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0) {
        std::string e = std::strerror(errno);
        ::close(fd);
        throw std::runtime_error("cannot write '" + path + "': " + e);
      }
      off += size_t(w);
    }
  }
  if (::close(fd) != 0)
    throw std::runtime_error("cannot write '" + path +
                             "': " + std::strerror(errno));
}

} // namespace mpcvit::rt
