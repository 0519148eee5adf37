#ifndef PDL_SERVICES_NODE_KEY_MATERIAL_H_
#define PDL_SERVICES_NODE_KEY_MATERIAL_H_

// Loading (or, on first start, generating) key material kept in files: 32-byte keys as 64 hex characters.
// Generated files are created with mode 0600 and never overwritten.

#include <string>

#include "absl/status/statusor.h"
#include "ledger/checkpoint/note.h"
#include "ledger/vault/identity_cipher.h"

namespace pdl {

// Reads the key at `path`; when the file does not exist and `generate` is set, creates it with a fresh key.
// INVALID_ARGUMENT naming the path when the content is not 64 hex characters.
[[nodiscard]] absl::StatusOr<vault::Key> LoadOrCreateKeyFile(const std::string& path, bool generate);

// Reads a checkpoint signer key (C2SP signed-note "PRIVATE+KEY+..." text) at `path`; when the file does not exist
// and `generate` is set, creates it with a new Ed25519 key named `name`. The verifier key is written beside it as
// `<path>.pub` (public, safe to hand out).
[[nodiscard]] absl::StatusOr<checkpoint::NoteSigner> LoadOrCreateSigner(const std::string& path,
                                                                       const std::string& name, bool generate);

// The contents of `path` trimmed; when the file does not exist, writes `fresh` there first (mode 0644).
[[nodiscard]] absl::StatusOr<std::string> LoadOrCreateText(const std::string& path, const std::string& fresh);

}  // namespace pdl

#endif  // PDL_SERVICES_NODE_KEY_MATERIAL_H_
