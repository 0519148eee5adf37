#include "services/node/key_material.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "ledger/sv.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace pdl {
namespace {

absl::StatusOr<std::string> ReadTrimmed(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("file ", path, " does not exist"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(buffer.str()));
}

absl::Status WriteNew(const std::string& path, const std::string& content, int mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot create ", path));
  const bool written =
      ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace

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
  if (absl::Status s = WriteNew(path, hex, 0600); !s.ok()) return s;
  return key;
}

absl::StatusOr<checkpoint::NoteSigner> LoadOrCreateSigner(const std::string& path, const std::string& name,
                                                          bool generate) {
  auto text = ReadTrimmed(path);
  std::optional<checkpoint::NoteSigner> signer;
  if (text.ok()) {
    auto parsed = checkpoint::NoteSigner::FromKey(*text);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("checkpoint key file ", path, ": ", parsed.status().message()));
    }
    signer.emplace(std::move(*parsed));
  } else {
    if (!generate) return text.status();
    auto fresh = checkpoint::NoteSigner::Generate(name);
    if (!fresh.ok()) return fresh.status();
    if (absl::Status s = WriteNew(path, fresh->Key() + "\n", 0600); !s.ok()) return s;
    signer.emplace(std::move(*fresh));
  }
  const std::string pub_path = path + ".pub";
  std::ofstream pub(pub_path, std::ios::trunc);
  pub << signer->Verifier().Key() << "\n";
  if (!pub) return absl::UnavailableError(absl::StrCat("cannot write ", pub_path));
  return *signer;
}

absl::StatusOr<std::string> LoadOrCreateText(const std::string& path, const std::string& fresh) {
  auto text = ReadTrimmed(path);
  if (text.ok()) return text;
  if (absl::Status s = WriteNew(path, fresh + "\n", 0644); !s.ok()) return s;
  return fresh;
}

}  // namespace pdl
