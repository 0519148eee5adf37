#ifndef PDL_PROJECTIONS_VAULT_STORE_H_
#define PDL_PROJECTIONS_VAULT_STORE_H_

// The subject key vault on RocksDB (family `vault`): one data key per subject, stored wrapped by the key-encryption
// key. A new key is written with fsync before it is used, so no ciphertext can outlive the key it needs unless the
// key was destroyed on purpose (erasure by crypto-shredding destroys the key; the log stays untouched).
//
// Thread-safe: get-or-create is serialised per subject through striped locks.

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/vault/identity_cipher.h"

namespace rocksdb {
class WriteBatch;
}  // namespace rocksdb

namespace pdl {

class Store;

// Erasure by crypto-shredding (DESIGN.md §8), done by the applier when it seals the fulfilled closing of an erasure
// request. Stages into `batch` the destruction of the subject's data key: the entry keeps its version and loses
// the wrapped key, so the subject's sealed identities can no longer be opened and DataKeyFor refuses the subject
// from then on. False when there is nothing to destroy (no identity was ever recorded, or already destroyed).
[[nodiscard]] absl::StatusOr<bool> StageDataKeyDestruction(const Store& store, std::string_view subject_id,
                                                           rocksdb::WriteBatch* batch);
// Once the destruction is written: flushes every family (so the write-ahead log that held the key is released)
// and compacts each subject's vault entry to the bottom level, so that no log, memtable or table file keeps the
// old wrapped key.
[[nodiscard]] absl::Status PurgeDestroyedKeys(Store& store, const std::vector<std::string>& subject_ids);

class VaultStore {
 public:
  VaultStore(Store* store, const vault::Key& kek) : store_(store), kek_(kek) {}

  // The subject's current data key and its version, created (and durably stored) when the subject has none.
  // FAILED_PRECONDITION when the subject's key was destroyed (erased subject).
  [[nodiscard]] absl::StatusOr<std::pair<uint32_t, vault::Key>> DataKeyFor(std::string_view subject_id);

  // The subject's key of `version`; std::nullopt when there is none or it was destroyed.
  [[nodiscard]] absl::StatusOr<std::optional<vault::Key>> Find(std::string_view subject_id, uint32_t version) const;

 private:
  Store* store_;
  vault::Key kek_;
  std::array<std::mutex, 64> stripes_;
};

}  // namespace pdl

#endif  // PDL_PROJECTIONS_VAULT_STORE_H_
