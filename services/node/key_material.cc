#include "services/node/key_material.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "ledger/sv.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace pdl {

absl::StatusOr<vault::Key> LoadOrCreateKeyFile(const std::string& path, bool generate) {
  std::ifstream in(path);
  if (in) {
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string hex(absl::StripAsciiWhitespace(buffer.str()));
    if (hex.size() != 2 * vault::kKeyBytes ||
        hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("key file ", path, ": want ", 2 * vault::kKeyBytes, " hex characters"));
    }
    return vault::KeyFromBytes(absl::HexStringToBytes(hex));
  }
  if (!generate) return absl::NotFoundError(absl::StrCat("key file ", path, " does not exist"));
  auto key = vault::GenerateKey();
  if (!key.ok()) return key.status();
  const std::string hex = absl::StrCat(absl::BytesToHexString(Sv(key->view())), "\n");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot create key file ", path));
  const bool written = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return absl::UnavailableError(absl::StrCat("cannot write key file ", path));
  return key;
}

}  // namespace pdl
