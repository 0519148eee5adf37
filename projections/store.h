#ifndef PDL_PROJECTIONS_STORE_H_
#define PDL_PROJECTIONS_STORE_H_

// The one RocksDB instance of a ledger node: opens every column family of projections/column_families.h and owns
// the handles. Everything that touches RocksDB goes through this class; nothing outside projections/ includes
// RocksDB headers (services see only the higher-level classes of this folder).
//
// Thread-safe: RocksDB handles concurrent reads and writes; atomicity comes from WriteBatch.

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "projections/column_families.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace pdl {

class Store {
 public:
  struct Options {
    std::string path;
    // fsync the WAL on every write. Off by default: a process crash (SIGKILL) loses nothing either way; a power
    // loss may lose the last writes, which the consumer then re-applies from Kafka.
    bool sync_writes = false;
    size_t block_cache_bytes = 256u << 20;
  };

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Store>> Open(const Options& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Cf family) const { return handles_[static_cast<int>(family)]; }

  // Applies `batch` atomically (all or nothing).
  [[nodiscard]] absl::Status Write(rocksdb::WriteBatch* batch);
  // Writes with fsync regardless of Options::sync_writes (for key material).
  [[nodiscard]] absl::Status WriteDurable(rocksdb::WriteBatch* batch);

  // The value at `key`, std::nullopt when absent, or an error.
  [[nodiscard]] absl::StatusOr<std::optional<std::string>> Get(Cf family, std::string_view key) const;

  std::unique_ptr<rocksdb::Iterator> NewIterator(Cf family, const rocksdb::ReadOptions& options = {}) const;

  const std::string& path() const { return path_; }

 private:
  Store() = default;
  std::string path_;
  bool sync_writes_ = false;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, static_cast<int>(Cf::kCount)> handles_{};
};

// Maps a RocksDB status onto absl (IOError/Corruption -> DATA_LOSS or UNAVAILABLE, ...), prefixed by `what`.
absl::Status FromRocks(const rocksdb::Status& status, std::string_view what);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_STORE_H_
